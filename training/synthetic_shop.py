"""A seeded synthetic shop with known structure, for tests and benchmarks of `localrec train`:

- categories in complementary pairs (a phone and its cases, a camera and its lenses, ...): each
  primary product has 2 accessories of the paired category made for it (same brand, "for <model>");
- consumables (coffee, filters) bought again and again;
- visitors with one or two favourite categories, browsing in sessions: views of items of a
  favourite category, sometimes add to cart and purchase; after buying a primary product they go
  on to view and often buy one of its accessories;
- new products arriving over time (an item has no events before its arrival).

    python -m training.synthetic_shop --size small --out DIR     (events.csv + items.csv)
"""

from __future__ import annotations

import argparse
import csv
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

PAIRS = [
    ("Phones", "Phone cases"),
    ("Cameras", "Camera lenses"),
    ("Laptops", "Laptop sleeves"),
    ("Bikes", "Bike helmets"),
    ("Consoles", "Game controllers"),
    ("Espresso machines", "Milk jugs"),
]
CONSUMABLES = ["Coffee beans", "Water filters"]
BRANDS = ["Acme", "Borealis", "Cobalt", "Dunmore", "Elara", "Fjord", "Gantry", "Halcyon"]
ADJ = ["Pro", "Air", "Mini", "Max", "Lite", "Plus", "Ultra", "One", "Neo", "Flex"]
SIZES = {
    "small": dict(primary_per_cat=6, consumables_per_cat=5, users=700, sessions=(2, 6)),
    "large": dict(primary_per_cat=150, consumables_per_cat=100, users=40000, sessions=(2, 8)),
}
START = datetime(2025, 1, 1, tzinfo=UTC).timestamp()
DAYS = 120


def make_items(rng: np.random.Generator, size: str) -> list[dict]:
    p = SIZES[size]
    items = []

    def add(cat, title, brand, price, kind, parent=None):
        i = len(items)
        items.append(
            {
                "item_id": f"p{i:05d}",
                "title": title,
                "category": cat,
                "brand": brand,
                "price": f"{price:.2f}",
                "currency": "EUR",
                "image": f"{cat.lower().replace(' ', '-')}-{i}.jpg" if rng.random() < 0.8 else "",
                "url": f"/products/p{i:05d}",
                "availability": "in_stock" if rng.random() < 0.9 else "out_of_stock",
                "color": str(rng.choice(["black", "white", "red", "blue", "green"])),
                "_kind": kind,
                "_parent": parent,
                # new products arrive during the first 70% of the period; the rest exist from the start
                "_arrival": 0.0 if rng.random() < 0.75 else float(rng.uniform(0.1, 0.7)),
            }
        )
        return i

    for prim, acc in PAIRS:
        for k in range(p["primary_per_cat"]):
            brand = str(rng.choice(BRANDS))
            model = f"{brand} {prim[:-1] if prim.endswith('s') else prim} {rng.choice(ADJ)} {k + 1}"
            pi = add(prim, model, brand, rng.uniform(150, 1500), "primary")
            for j in range(2):
                ai = add(
                    acc,
                    f"{['Slim', 'Rugged'][j]} {acc[:-1].lower()} for {model}",
                    brand,
                    rng.uniform(9, 60),
                    "accessory",
                    parent=pi,
                )
                items[ai]["_arrival"] = items[pi]["_arrival"]
    for cat in CONSUMABLES:
        for k in range(p["consumables_per_cat"]):
            brand = str(rng.choice(BRANDS))
            add(
                cat,
                f"{brand} {cat.lower()} {rng.choice(['classic', 'dark', 'mild', 'organic', 'bulk'])} {k + 1}",
                brand,
                rng.uniform(5, 30),
                "consumable",
            )
    return items


def generate(size: str = "small", seed: int = 0) -> tuple[list[dict], list[dict]]:
    """(items, events); events sorted by time, ISO 8601 timestamps."""
    rng = np.random.default_rng(seed)
    items = make_items(rng, size)
    p = SIZES[size]
    cats = [c for pair in PAIRS for c in pair] + CONSUMABLES
    by_cat = {c: [i for i, it in enumerate(items) if it["category"] == c] for c in cats}
    acc_of = {}
    for i, it in enumerate(items):
        if it["_parent"] is not None:
            acc_of.setdefault(it["_parent"], []).append(i)
    primaries = [c for c, _ in PAIRS]
    events = []
    for u in range(p["users"]):
        favs = list(rng.choice(primaries, size=int(rng.integers(1, 3)), replace=False))
        consumable = str(rng.choice(CONSUMABLES)) if rng.random() < 0.4 else None
        fav_consumable = None
        t = START + rng.uniform(0, DAYS * 0.8) * 86400
        for _ in range(int(rng.integers(*p["sessions"]))):
            if t > START + DAYS * 86400:
                break
            now = (t - START) / (DAYS * 86400)
            cat = str(rng.choice(favs))
            pool = [i for i in by_cat[cat] if items[i]["_arrival"] <= now]
            if not pool:
                continue
            bought = None
            for i in rng.choice(pool, size=min(len(pool), int(rng.integers(3, 6))), replace=False):
                events.append((u, int(i), t, "view_item"))
                t += rng.uniform(20, 200)
            last = int(i)
            if rng.random() < 0.6:
                events.append((u, last, t, "add_to_cart"))
                t += rng.uniform(20, 200)
                if rng.random() < 0.8:
                    events.append((u, last, t, "purchase"))
                    t += rng.uniform(20, 200)
                    bought = last
            if bought is not None and rng.random() < 0.9:
                acc = int(rng.choice(acc_of[bought]))
                events.append((u, acc, t, "view_item"))
                t += rng.uniform(20, 200)
                if rng.random() < 0.6:
                    events.append((u, acc, t, "add_to_cart"))
                    t += rng.uniform(10, 60)
                    events.append((u, acc, t, "purchase"))
                    t += rng.uniform(10, 60)
            if consumable and rng.random() < 0.6:
                if fav_consumable is None:
                    fav_consumable = int(rng.choice(by_cat[consumable]))
                events.append((u, fav_consumable, t, "view_item"))
                events.append((u, fav_consumable, t + 30, "purchase"))  # the same product again: a repeat purchase
                t += 60
            t += rng.uniform(1, 14) * 86400
    events.sort(key=lambda e: e[2])
    ev = [
        {
            "user_id": f"v{u}",
            "item_id": items[i]["item_id"],
            "timestamp": datetime.fromtimestamp(round(t), UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "event_type": e,
        }
        for u, i, t, e in events
    ]
    return items, ev


def write(out: Path, size: str = "small", seed: int = 0) -> tuple[Path, Path]:
    items, ev = generate(size, seed)
    out.mkdir(parents=True, exist_ok=True)
    ip, ep = out / "items.csv", out / "events.csv"
    cols = ["item_id", "title", "category", "brand", "price", "currency", "image", "url", "availability", "color"]
    with open(ip, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, cols, extrasaction="ignore")
        w.writeheader()
        w.writerows(items)
    with open(ep, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, ["user_id", "item_id", "timestamp", "event_type"])
        w.writeheader()
        w.writerows(ev)
    return ep, ip


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m training.synthetic_shop")
    ap.add_argument("--size", choices=list(SIZES), default="small")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", required=True)
    a = ap.parse_args(argv)
    ep, ip = write(Path(a.out), a.size, a.seed)
    print(f"wrote {ep} and {ip}")


if __name__ == "__main__":
    main()
