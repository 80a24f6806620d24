"""Reading a shop's files (training/ingest.py) and the CLI's one-line errors (training/cli.py)."""

import gzip
import json
import subprocess
import sys

import duckdb
import pytest

from training.cli import main as cli_main
from training.ingest import (
    InputError,
    build_interactions,
    hash_features,
    load_config,
    parse_time,
    read_events,
    read_items,
)

from .conftest import REPO

ITEMS = "item_id,title,category,brand,price,currency,image,url,availability,color\n" + "".join(
    f"i{k},Item {k},{'A' if k % 2 else 'B'},Br{k % 3},{10 + k}.5,EUR,{f'i{k}.jpg' if k % 4 else ''},/p/{k},in_stock,"
    f"{['red', 'blue'][k % 2]}\n"
    for k in range(20)
)


def write(tmp_path, name, text, enc="utf-8"):
    p = tmp_path / name
    if name.endswith(".gz"):
        p.write_bytes(gzip.compress(text.encode(enc)))
    else:
        p.write_bytes(text.encode(enc) if isinstance(text, str) else text)
    return str(p)


def err(fn, *args) -> str:
    with pytest.raises(InputError) as e:
        fn(*args)
    msg = str(e.value)
    assert "\n" not in msg
    return msg


def test_timestamps_seconds_milliseconds_microseconds_and_iso_agree():
    t = 1714564800.0  # 2024-05-01T12:00:00Z
    for v in (
        "1714564800",
        "1714564800000",
        "1714564800000000",
        "2024-05-01T12:00:00Z",
        "2024-05-01 12:00:00",
        "2024-05-01T14:00:00+02:00",
    ):
        assert parse_time(v) == pytest.approx(t), v
    assert parse_time("yesterday") is None and parse_time("") is None and parse_time("nan") is None


def test_personalize_and_ga4_column_names_case_insensitive(tmp_path):
    items = read_items(write(tmp_path, "items.csv", ITEMS), {})
    pers = write(
        tmp_path,
        "p.csv",
        "USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE,EVENT_VALUE\nu1,i1,1714564800,purchase,1\nu1,i2,1714564900,Click,\n",
    )
    ev = read_events(pers, {})
    assert ev.users == ["u1", "u1"] and ev.items == ["i1", "i2"] and list(ev.weights) == [3.0, 1.0]
    ga4 = write(
        tmp_path,
        "g.jsonl",
        "\n".join(
            json.dumps(r)
            for r in [
                {
                    "user_pseudo_id": "x",
                    "Item_Id": "i3",
                    "event_timestamp": 1714564800000000,
                    "event_name": "view_item",
                },
                {
                    "user_pseudo_id": "x",
                    "Item_Id": "i4",
                    "event_timestamp": 1714564801000000,
                    "event_name": "view_item_list",
                },
                {
                    "user_pseudo_id": "x",
                    "Item_Id": "i5",
                    "event_timestamp": 1714564802000000,
                    "event_name": "add_to_cart",
                },
            ]
        ),
    )
    ev = read_events(ga4, {})
    assert ev.items == ["i3", "i5"]  # an impression (view_item_list) is not interest: weight 0, skipped
    assert ev.stats["skipped"] == {"weight 0": 1}
    assert ev.times[0] == pytest.approx(1714564800.0)
    assert len(items.ids) == 20


def test_parquet_and_gzip(tmp_path):
    csv = write(tmp_path, "e.csv", "user_id,item_id,timestamp\nu1,i1,1\nu1,i2,2\nu2,i1,3\n")
    pq = str(tmp_path / "e.parquet")
    duckdb.sql(f"COPY (SELECT * FROM read_csv('{csv}')) TO '{pq}' (FORMAT parquet)")
    gz = write(tmp_path, "e.csv.gz", "user_id,item_id,timestamp\nu1,i1,1\nu1,i2,2\nu2,i1,3\n")
    for p in (csv, pq, gz):
        ev = read_events(p, {})
        assert ev.users == ["u1", "u1", "u2"] and ev.items == ["i1", "i2", "i1"], p


def test_weights_from_config_and_unknown_event_types(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text("unknown_event_weight = 0.5\n[event_weights]\npurchase = 5\nview = 0\n")
    ev = read_events(
        write(
            tmp_path, "e.csv", "user_id,item_id,timestamp,event_type\nu,i1,1,view\nu,i2,2,purchase\nu,i3,3,Wishlisted\n"
        ),
        load_config(str(cfg)),
    )
    assert ev.items == ["i2", "i3"] and list(ev.weights) == [5.0, 0.5]
    assert ev.stats["unknownEventTypes"] == {"wishlisted": 1}


@pytest.mark.parametrize("mode,expected", [("collapse", [1, 2, 1]), ("keep", [1, 1, 2, 2, 1]), ("first", [1, 2])])
def test_repeats(tmp_path, mode, expected):
    items = read_items(write(tmp_path, "items.csv", ITEMS), {})
    ev = read_events(
        write(
            tmp_path,
            "e.csv",
            "user_id,item_id,timestamp,event_type\nu,i0,1,view\nu,i0,2,add_to_cart\n"
            "u,i1,3,view\nu,i1,4,purchase\nu,i0,5,view\n",
        ),
        {},
    )
    inter = build_interactions(ev, items, {"repeats": mode})
    assert inter.seqs[0].tolist() == expected
    if mode == "collapse":
        assert inter.weights[0].tolist() == [2.0, 3.0, 1.0]  # a merged step keeps its strongest event


def test_ties_keep_file_order_and_unknown_items_are_counted(tmp_path):
    items = read_items(write(tmp_path, "items.csv", ITEMS), {})
    ev = read_events(
        write(tmp_path, "e.csv", "user_id,item_id,timestamp\nu,i5,10\nu,i3,10\nu,nope,11\nu,i1,9\nv,gone,1\nv,i2,2\n"),
        {},
    )
    inter = build_interactions(ev, items, {})
    assert [s.tolist() for s in inter.seqs] == [[2, 6, 4], [3]]
    assert inter.stats["unknownItemEvents"] == 2 and inter.stats["unknownItems"] == 2


def test_item_columns_roles_and_automatic_types(tmp_path):
    items = read_items(write(tmp_path, "items.csv", ITEMS), {})
    assert items.fields["price"][3] == 13.5 and items.fields["brand"][3] == "Br0" and items.fields["image"][4] is None
    assert items.category[1] == ["A"]
    assert items.stats["featureColumns"] == {"color": "categorical"}
    assert "color=blue" in items.features[1] and "b:br1" in items.features[1] and "t:item" in items.features[1]
    cfg = {"columns": {"color": "drop", "brand": "drop"}}
    items = read_items(write(tmp_path, "items2.csv", ITEMS), cfg)
    assert not any(f.startswith(("color", "b:")) for f in items.features[1])
    h = hash_features(items.features, 1024, 16)
    assert h.shape == (21, 16) and (h[0] == 0).all() and (h[1:, 0] > 0).all() and h.max() < 1024


@pytest.mark.parametrize(
    "name,text,needle",
    [
        ("empty.csv", "", "empty.csv: is empty"),
        ("header.csv", "user_id,item_id,timestamp\n", "has a header but no rows"),
        ("latin.csv", "user_id,item_id,timestamp\nu,i1,1\nJos\xe9,i2,2\n", "latin.csv, row 2: is not UTF-8"),
        (
            "badtime.csv",
            "user_id,item_id,timestamp\nu,i1,1\nu,i2,last tuesday\n",
            "badtime.csv, row 2, column 'timestamp': 'last tuesday' is not a timestamp",
        ),
        ("nouser.csv", "item_id,timestamp\ni1,1\n", "nouser.csv, column 'user_id': missing"),
        ("e.xlsx", "x", "unknown file type"),
    ],
)
def test_event_file_errors(tmp_path, name, text, needle):
    p = write(tmp_path, name, text, enc="latin-1")
    assert needle in err(read_events, p, {})


def test_item_file_errors(tmp_path):
    dup = write(tmp_path, "dup.csv", "item_id,title\na,x\nb,y\na,z\n")
    assert "dup.csv, row 3, column 'item_id': item id 'a' appears again (first at row 1)" in err(read_items, dup, {})
    price = write(tmp_path, "price.csv", "item_id,price\na,1\nb,cheap\n")
    assert "price.csv, row 2, column 'price': 'cheap' is not a price" in err(read_items, price, {})
    cfg = tmp_path / "c.json"
    cfg.write_text('{"weights": {}}')
    assert "unknown key 'weights'" in err(load_config, str(cfg))


def run_cli(tmp_path, events: str, items: str) -> tuple[int, str]:
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "training.cli",
            "train",
            "--events",
            events,
            "--items",
            items,
            "--out",
            str(tmp_path / "out"),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return r.returncode, r.stderr


def test_cli_reports_one_line_without_traceback(tmp_path):
    items = write(tmp_path, "items.csv", ITEMS)
    code, stderr = run_cli(tmp_path, write(tmp_path, "e.csv", "user_id,item_id,timestamp\nu,i1,1\nu,i2,bad\n"), items)
    assert code == 2 and "Traceback" not in stderr
    lines = [x for x in stderr.splitlines() if x.startswith("localrec:")]
    assert lines == [
        "localrec: error: " + str(tmp_path / "e.csv") + ", row 2, column 'timestamp': 'bad' is not a "
        "timestamp (Unix seconds or milliseconds, or ISO 8601 like 2024-05-01T12:00:00Z)"
    ]
    assert not (tmp_path / "out").exists()


def test_cli_one_user_one_item_and_no_known_items(tmp_path, capsys):
    items = write(tmp_path, "items.csv", ITEMS)
    one_user = write(tmp_path, "one.csv", "user_id,item_id,timestamp\nu,i1,1\nu,i2,2\n")
    assert cli_main(["train", "--events", one_user, "--items", items, "--out", str(tmp_path / "o")]) == 2
    assert "events of one user only" in capsys.readouterr().err
    one_item = write(tmp_path, "one_item.csv", "item_id,title\ni1,x\n")
    assert cli_main(["train", "--events", one_user, "--items", one_item, "--out", str(tmp_path / "o")]) == 2
    assert "has 1 item; a recommender needs at least 2" in capsys.readouterr().err
    other = write(tmp_path, "other.csv", "user_id,item_id,timestamp\nu,zz,1\nv,zz,2\n")
    assert cli_main(["train", "--events", other, "--items", items, "--out", str(tmp_path / "o")]) == 2
    assert "no event names an item of the catalogue" in capsys.readouterr().err
