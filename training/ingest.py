"""Reading a shop's own data: an event log and an item catalogue (docs/your-data.md).

Files are CSV, JSONL or Parquet (chosen by extension; `.csv.gz` and `.jsonl.gz` are read as well),
read with DuckDB as text so that every value is parsed here, by one set of rules. Column names
match case-insensitively and under several usual names (Amazon Personalize's USER_ID / ITEM_ID /
TIMESTAMP / EVENT_TYPE / EVENT_VALUE, GA4's event_name / user_pseudo_id / event_timestamp). Any
problem with the input is an `InputError`: one line naming the file, the row (1 = the first data
row) where there is one, and the column.
"""

from __future__ import annotations

import gzip
import json
import math
import re
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from .features import fnv1a32, title_words


class InputError(Exception):
    """Bad input data or configuration; its message is one line meant for the person who made the files."""

    def __init__(self, file, message: str, row: int | None = None, column: str | None = None):
        where = str(file)
        if row is not None:
            where += f", row {row}"
        if column is not None:
            where += f", column '{column}'"
        super().__init__(f"{where}: {message}")


# -- roles of columns, by lower-cased name ----------------------------------------------------------
EVENT_ROLES = {
    "user": ["user_id", "userid", "user", "visitor_id", "user_pseudo_id", "client_id", "customer_id", "session_id"],
    "item": ["item_id", "itemid", "item", "product_id", "productid", "sku", "article_id"],
    "timestamp": ["timestamp", "event_timestamp", "event_time", "time", "ts", "datetime", "date", "created_at"],
    "event": ["event_type", "event_name", "event", "type", "action", "interaction"],
    "value": ["event_value", "value", "rating", "quantity"],
}
ITEM_ROLES = {
    "id": ["item_id", "itemid", "id", "product_id", "productid", "sku", "article_id"],
    "title": ["title", "name", "product_name", "product_title", "item_name"],
    "description": ["description", "product_description", "item_description"],
    "image": ["image", "image_url", "image_link", "img", "picture"],
    "price": ["price", "sale_price"],
    "currency": ["currency", "price_currency"],
    "url": ["url", "link", "product_url", "item_url"],
    "brand": ["brand", "manufacturer", "item_brand"],
    "availability": ["availability", "in_stock", "stock_status", "stock"],
    "category": ["category", "categories", "category_l1", "product_type", "item_category", "genres", "genre"],
    "year": ["year", "release_date", "release_year", "creation_timestamp"],
}
# Interactions that show interest, weighted by how much; 0 drops the event (an impression or a
# removal is not interest in the item). Keys are lower-case; the config's `event_weights` overrides.
DEFAULT_WEIGHTS = {
    "view": 1.0,
    "view_item": 1.0,
    "detail_view": 1.0,
    "click": 1.0,
    "select_item": 1.0,
    "rate": 1.0,
    "rating": 1.0,
    "add_to_wishlist": 1.5,
    "wishlist": 1.5,
    "add_to_cart": 2.0,
    "cart": 2.0,
    "addtocart": 2.0,
    "begin_checkout": 2.0,
    "purchase": 3.0,
    "order": 3.0,
    "buy": 3.0,
    "transaction": 3.0,
    "remove_from_cart": 0.0,
    "view_item_list": 0.0,
    "impression": 0.0,
}
CONFIG_KEYS = {"event_weights", "unknown_event_weight", "repeats", "columns", "events_columns", "train"}
COLUMN_KINDS = {"drop", "categorical", "numeric", "text"} | set(ITEM_ROLES)


def load_config(path: str | None) -> dict:
    """The `--config` file (JSON or TOML, by extension), checked for unknown keys."""
    if not path:
        return {}
    p = Path(path)
    if not p.exists():
        raise InputError(p, "no such file")
    try:
        if p.suffix.lower() == ".toml":
            cfg = tomllib.loads(p.read_text(encoding="utf-8"))
        elif p.suffix.lower() == ".json":
            cfg = json.loads(p.read_text(encoding="utf-8"))
        else:
            raise InputError(p, "a config must be .json or .toml")
    except (json.JSONDecodeError, tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise InputError(p, f"not valid {p.suffix[1:].upper()}: {str(e).splitlines()[0]}") from None
    if not isinstance(cfg, dict):
        raise InputError(p, "must be an object / table at the top level")
    for k in cfg:
        if k not in CONFIG_KEYS:
            raise InputError(p, f"unknown key '{k}' (known: {', '.join(sorted(CONFIG_KEYS))})")
    for name, w in cfg.get("event_weights", {}).items():
        if not isinstance(w, (int, float)) or w < 0 or not math.isfinite(w):
            raise InputError(p, f"event_weights.{name} must be a number >= 0")
    if cfg.get("repeats", "collapse") not in ("keep", "collapse", "first"):
        raise InputError(p, "repeats must be 'keep', 'collapse' or 'first'")
    for col, kind in cfg.get("columns", {}).items():
        if kind not in COLUMN_KINDS:
            raise InputError(p, f"columns.{col} must be one of {', '.join(sorted(COLUMN_KINDS))}")
    cfg["_path"] = str(p)
    return cfg


# -- reading a table -----------------------------------------------------------------------------------
def _kind(path: Path) -> tuple[str, bool]:
    name = path.name.lower()
    gz = name.endswith(".gz")
    if gz:
        name = name[:-3]
    for ext, kind in (
        (".csv", "csv"),
        (".tsv", "csv"),
        (".jsonl", "json"),
        (".ndjson", "json"),
        (".json", "json"),
        (".parquet", "parquet"),
    ):
        if name.endswith(ext):
            if kind == "parquet" and gz:
                raise InputError(path, "Parquet is compressed inside the file; give the .parquet itself")
            return kind, gz
    raise InputError(path, "unknown file type (use .csv, .jsonl or .parquet, optionally .gz)")


def _check_text(path: Path, gz: bool) -> int:
    """Raise on bytes that are not UTF-8 (with the data row); returns the number of non-empty lines."""
    opener = gzip.open if gz else open
    n = 0
    try:
        with opener(path, "rb") as f:
            for i, line in enumerate(f):
                try:
                    line.decode("utf-8")
                except UnicodeDecodeError as e:
                    raise InputError(
                        path,
                        f"is not UTF-8 (byte 0x{line[e.start]:02x} at position {e.start + 1}); save the file as UTF-8",
                        row=i,
                    ) from None
                if line.strip():
                    n += 1
    except (OSError, EOFError) as e:
        raise InputError(path, f"cannot be read: {e}") from None
    return n


def read_table(path_str: str) -> tuple[list[str], list[list[str | None]]]:
    """(column names as in the file, rows of text values or None), in file order."""
    import duckdb

    path = Path(path_str)
    if not path.exists():
        raise InputError(path, "no such file")
    kind, gz = _kind(path)
    if kind != "parquet":
        lines = _check_text(path, gz)
        if lines == 0:
            raise InputError(path, "is empty")
        if kind == "csv" and lines == 1:
            raise InputError(path, "has a header but no rows")
    con = duckdb.connect()
    con.execute("SET threads TO 1")
    lit = "'" + str(path).replace("'", "''") + "'"
    if kind == "csv":
        delim = "\\t" if ".tsv" in path.name.lower() else ","
        src = f"read_csv({lit}, header=true, all_varchar=true, delim='{delim}', quote='\"', escape='\"')"
    elif kind == "json":
        src = f"read_json({lit}, format='newline_delimited')"
    else:
        src = f"read_parquet({lit})"
    try:
        cols = [d[0] for d in con.execute(f"SELECT * FROM {src} LIMIT 0").description]
        sel = ", ".join(f'CAST("{c.replace(chr(34), chr(34) * 2)}" AS VARCHAR)' for c in cols)
        rows = con.execute(f"SELECT {sel} FROM {src}").fetchall()
    except duckdb.Error as e:
        msg = str(e).splitlines()[0]
        m = re.search(r"[Ll]ine:? (\d+)", str(e))
        raise InputError(
            path, f"cannot be parsed: {msg}", row=int(m.group(1)) - 1 if m and kind == "csv" else None
        ) from None
    finally:
        con.close()
    if not rows:
        raise InputError(path, "has no rows")
    return cols, [list(r) for r in rows]


def match_columns(path, cols: list[str], roles: dict, required: list[str], overrides: dict | None = None) -> dict:
    """role -> column position; case-insensitive; `overrides` maps column name -> role."""
    low = {c.strip().lower(): i for i, c in enumerate(cols)}
    if len(low) != len(cols):
        dup = [c for c in cols if sum(1 for d in cols if d.strip().lower() == c.strip().lower()) > 1][0]
        raise InputError(path, "appears twice (names match case-insensitively)", column=dup)
    out = {}
    for name, role in (overrides or {}).items():
        if role in roles:
            if name.lower() not in low:
                raise InputError(path, f"the config names column '{name}' as {role}, the file has no such column")
            out[role] = low[name.lower()]
    for role, names in roles.items():
        if role in out:
            continue
        for n in names:
            if n in low and low[n] not in out.values():
                out[role] = low[n]
                break
    for role in required:
        if role not in out:
            raise InputError(
                path,
                f"missing (found columns: {', '.join(cols)}; accepted names: {', '.join(roles[role])})",
                column=roles[role][0],
            )
    return out


# -- timestamps ----------------------------------------------------------------------------------------
def parse_time(v: str) -> float | None:
    """Unix seconds from Unix s / ms / µs / ns (by magnitude) or ISO 8601 (no zone = UTC)."""
    s = v.strip()
    if not s:
        return None
    try:
        x = float(s)
    except ValueError:
        pass
    else:
        if not math.isfinite(x):
            return None
        a = abs(x)
        # a plausible date is < 1e11 s; larger numbers are milli-, micro- or nanoseconds
        return x / 1e9 if a >= 1e17 else x / 1e6 if a >= 1e14 else x / 1e3 if a >= 1e11 else x
    try:
        d = datetime.fromisoformat(s.replace("Z", "+00:00") if s.endswith("Z") else s)
    except ValueError:
        return None
    if d.tzinfo is None:
        d = d.replace(tzinfo=UTC)
    return d.timestamp()


# -- events --------------------------------------------------------------------------------------------
@dataclass
class Events:
    users: list[str]  # per event
    items: list[str]
    times: np.ndarray  # float64 Unix seconds
    weights: np.ndarray  # float32
    types: list[str]
    stats: dict = field(default_factory=dict)


def read_events(path: str, cfg: dict, progress=None) -> Events:
    cols, rows = read_table(path)
    roles = match_columns(path, cols, EVENT_ROLES, ["user", "item", "timestamp"], cfg.get("events_columns"))
    weights = {**DEFAULT_WEIGHTS, **{k.lower(): float(v) for k, v in cfg.get("event_weights", {}).items()}}
    unknown_w = float(cfg.get("unknown_event_weight", 1.0))
    ui, ii, ti = roles["user"], roles["item"], roles["timestamp"]
    ei = roles.get("event")
    users, items, types, times, ws = [], [], [], [], []
    skipped = {"weight 0": 0, "empty user or item": 0}
    unknown_types: dict[str, int] = {}
    for r, row in enumerate(progress(rows, "events") if progress else rows, start=1):
        u, it, t = row[ui], row[ii], row[ti]
        if u is None or it is None or not u.strip() or not it.strip():
            skipped["empty user or item"] += 1
            continue
        ts = parse_time(t or "")
        if ts is None:
            raise InputError(
                path,
                f"'{t}' is not a timestamp (Unix seconds or milliseconds, or ISO 8601 like 2024-05-01T12:00:00Z)",
                row=r,
                column=cols[ti],
            )
        # no event type (no column, or an empty cell) counts as a view
        et = ((row[ei] or "").strip().lower() if ei is not None else "") or "view"
        if et in weights:
            w = weights[et]
        else:
            unknown_types[et] = unknown_types.get(et, 0) + 1
            w = unknown_w
        if w <= 0:
            skipped["weight 0"] += 1
            continue
        users.append(u.strip())
        items.append(it.strip())
        types.append(et)
        times.append(ts)
        ws.append(w)
    if not users:
        raise InputError(
            path,
            "no usable events (every row was skipped: " + ", ".join(f"{k}: {v}" for k, v in skipped.items() if v) + ")",
        )
    stats = {
        "rows": len(rows),
        "skipped": {k: v for k, v in skipped.items() if v},
        "unknownEventTypes": unknown_types,
        "columns": {k: cols[v] for k, v in roles.items()},
    }
    return Events(users, items, np.array(times, np.float64), np.array(ws, np.float32), types, stats)


# -- items ---------------------------------------------------------------------------------------------
@dataclass
class Items:
    ids: list[str]
    title: list[str]
    category: list[list[str]]
    year: list[int | None]
    fields: dict[str, list]  # image, price, currency, url, brand, availability (None where empty)
    features: list[list[str]]  # content feature strings per item (docs/your-data.md)
    stats: dict = field(default_factory=dict)


def _split_list(v: str) -> list[str]:
    return [x.strip() for x in re.split(r"[|;]", v) if x.strip()] if v else []


def _year(v: str | None) -> int | None:
    if not v or not v.strip():
        return None
    m = re.search(r"(1[5-9]\d\d|2\d\d\d)", v)
    if m:
        return int(m.group(1))
    t = parse_time(v)
    return datetime.fromtimestamp(t, UTC).year if t is not None else None


def _num(v: str | None) -> float | None:
    if v is None or not v.strip():
        return None
    try:
        x = float(v.strip().replace(",", "")) if re.fullmatch(r"-?[\d,]*\.?\d+(e-?\d+)?", v.strip()) else float("nan")
    except ValueError:
        return None
    return x if math.isfinite(x) else None


def _quantile_bins(vals: list[float | None], bins: int = 8) -> list[int | None]:
    xs = np.array([v for v in vals if v is not None])
    if len(xs) == 0:
        return [None] * len(vals)
    edges = np.unique(np.quantile(xs, np.linspace(0, 1, bins + 1)[1:-1]))
    return [None if v is None else int(np.searchsorted(edges, v, side="right")) for v in vals]


def read_items(path: str, cfg: dict, progress=None) -> Items:
    cols, rows = read_table(path)
    colcfg = {k.lower(): v for k, v in cfg.get("columns", {}).items()}
    role_over = {k: v for k, v in colcfg.items() if v in ITEM_ROLES}
    roles = match_columns(path, cols, ITEM_ROLES, ["id"], role_over)
    for name, kind in colcfg.items():
        if kind == "drop":
            for role, i in list(roles.items()):
                if cols[i].lower() == name and role != "id":
                    del roles[role]
    n = len(rows)
    idc = roles["id"]
    ids, seen = [], {}
    for r, row in enumerate(rows, start=1):
        v = (row[idc] or "").strip()
        if not v:
            raise InputError(path, "the item id is empty", row=r, column=cols[idc])
        if v in seen:
            raise InputError(path, f"item id '{v}' appears again (first at row {seen[v]})", row=r, column=cols[idc])
        seen[v] = r
        ids.append(v)

    def col(role):
        i = roles.get(role)
        return [
            None if i is None else (row[i].strip() if row[i] is not None and row[i].strip() else None) for row in rows
        ]

    title = [t or "" for t in col("title")]
    desc = col("description")
    category = [_split_list(c or "") for c in col("category")]
    year = [_year(v) for v in col("year")]
    fields = {k: col(k) for k in ("image", "currency", "url", "brand", "availability")}
    prices = col("price")
    fields["price"] = []
    pc = roles.get("price")
    for r, v in enumerate(prices, start=1):
        x = _num(v) if v is not None else None
        if v is not None and x is None:
            raise InputError(path, f"'{v}' is not a price (a plain number like 19.99)", row=r, column=cols[pc])
        fields["price"].append(x)

    # every column without a role is a content feature, typed from its values unless the config says
    used = set(roles.values())
    typed = {}
    for i, c in enumerate(cols):
        if i in used:
            continue
        kind = colcfg.get(c.lower())
        vals = [row[i].strip() if row[i] is not None and row[i].strip() else None for row in rows]
        present = [v for v in vals if v is not None]
        if kind == "drop" or not present:
            typed[c] = "drop"
            continue
        if kind is None:
            nums = [_num(v) for v in present]
            distinct = len(set(present))
            if all(x is not None for x in nums) and distinct > 12:
                kind = "numeric"
            elif distinct <= max(50, n // 5) or any("|" in v for v in present[:50]):
                kind = "categorical"
            elif np.mean([len(v.split()) for v in present]) >= 3:
                kind = "text"
            else:
                kind = "drop"  # an id-like column (a value per item) says nothing shared between items
        typed[c] = kind
    feats: list[list[str]] = [[] for _ in range(n)]
    for j in range(n):
        feats[j] += [f"g:{g.lower()}" for g in category[j]]
        if fields["brand"][j]:
            feats[j].append(f"b:{fields['brand'][j].lower()}")
    pbins = _quantile_bins(fields["price"])
    for j in range(n):
        if pbins[j] is not None:
            feats[j].append(f"p:{pbins[j]}")
    for c, kind in typed.items():
        i = cols.index(c)
        vals = [row[i].strip() if row[i] is not None and row[i].strip() else None for row in rows]
        if kind == "numeric":
            try:
                bins = _quantile_bins([_num(v) for v in vals])
            except TypeError:
                bins = [None] * n
            for j, b in enumerate(bins):
                if b is not None:
                    feats[j].append(f"{c.lower()}:{b}")
        elif kind == "categorical":
            for j, v in enumerate(vals):
                for x in _split_list(v or ""):
                    feats[j].append(f"{c.lower()}={x.lower()}")
        elif kind == "text":
            for j, v in enumerate(vals):
                feats[j] += [f"t:{w}" for w in title_words(v or "")[:8]]
    for j in range(n):
        feats[j] += [f"t:{w}" for w in title_words(title[j])]
        if desc[j]:
            feats[j] += [f"t:{w}" for w in title_words(desc[j])[:8]]
        if year[j] is not None:
            feats[j] += [f"y:{year[j]}", f"d:{(year[j] // 10) * 10}"]
    stats = {"rows": n, "roles": {k: cols[v] for k, v in roles.items()}, "featureColumns": typed}
    return Items(ids, title, category, year, fields, feats, stats)


def hash_features(feats: list[list[str]], buckets: int, max_features: int) -> np.ndarray:
    """[N + 1, max_features] hashed buckets (row 0 = pad), the hashing of training/features.py."""
    out = np.zeros((len(feats) + 1, max_features), dtype=np.int64)
    for j, fs in enumerate(feats):
        uniq = list(dict.fromkeys(fs))[:max_features]
        ids = [1 + fnv1a32(f.encode("utf-8")) % (buckets - 1) for f in uniq]
        out[j + 1, : len(ids)] = ids
    return out


# -- sequences -----------------------------------------------------------------------------------------
@dataclass
class Interactions:
    """Events joined to the catalogue, each user's in time order (ties: file order)."""

    user_ids: list[str]
    seqs: list[np.ndarray]  # model indices (1..N)
    times: list[np.ndarray]
    weights: list[np.ndarray]
    stats: dict


def build_interactions(ev: Events, items: Items, cfg: dict, source: str = "events") -> Interactions:
    index = {x: i + 1 for i, x in enumerate(items.ids)}
    unknown: dict[str, int] = {}
    by_user: dict[str, list[int]] = {}
    for k, (u, it) in enumerate(zip(ev.users, ev.items, strict=True)):
        if it not in index:
            unknown[it] = unknown.get(it, 0) + 1
            continue
        by_user.setdefault(u, []).append(k)
    if not by_user:
        raise InputError(
            source,
            f"no event names an item of the catalogue ({len(unknown)} unknown item ids, e.g. "
            f"'{next(iter(unknown))}'); do the two files use the same ids?",
        )
    mode = cfg.get("repeats", "collapse")
    users, seqs, times, weights = [], [], [], []
    repeats_dropped = 0
    for u, ks in by_user.items():
        ks = sorted(ks, key=lambda k: ev.times[k])  # stable: ties keep the file's order
        s, t, w = [], [], []
        seen = set()
        for k in ks:
            x = index[ev.items[k]]
            if mode == "collapse" and s and s[-1] == x:
                w[-1] = max(w[-1], float(ev.weights[k]))  # view -> cart -> purchase of one item is one step
                repeats_dropped += 1
                continue
            if mode == "first" and x in seen:
                repeats_dropped += 1
                continue
            seen.add(x)
            s.append(x)
            t.append(ev.times[k])
            w.append(float(ev.weights[k]))
        users.append(u)
        seqs.append(np.array(s, np.int64))
        times.append(np.array(t, np.float64))
        weights.append(np.array(w, np.float32))
    n_unknown = sum(unknown.values())
    stats = {
        "users": len(users),
        "interactions": int(sum(len(s) for s in seqs)),
        "repeatsMerged": repeats_dropped,
        "unknownItemEvents": n_unknown,
        "unknownItems": len(unknown),
        "unknownItemExamples": sorted(unknown, key=lambda x: -unknown[x])[:5],
    }
    return Interactions(users, seqs, times, weights, stats)
