import json
import subprocess

from training import features as F

from .conftest import NODE_RUNNER, REPO


def test_fnv1a_reference_values():
    # FNV-1a 32-bit reference values
    assert F.fnv1a32(b"") == 0x811C9DC5
    assert F.fnv1a32(b"a") == 0xE40C292C
    assert F.fnv1a32(b"foobar") == 0xBF9CF968


def test_featurisation_rules():
    s = F.feature_strings("Ame\u0301lie, AMÉLIE & ＡＣ／ＤＣ (2001)", [" Comedy "], 2001, 16)
    assert s == ["t:amélie", "t:ac", "t:dc", "t:2001", "g:comedy", "y:2001", "d:2000"]
    assert F.feature_strings("a b c", [], None, 2) == ["t:a", "t:b"]
    v = F.featurise("Toy Story (1995)", ["Animation"], 1995, 64, 8)
    assert len(v) == 8 and v[-1] == 0 and all(1 <= b < 64 for b in v if b)


def test_vectors_agree_with_a_javascript_reading_of_the_spec(tmp_path):
    for buckets, mf in ((4096, 16), (8192, 16), (97, 4)):
        p = tmp_path / "cases.json"
        p.write_text(json.dumps({"cases": F.TEST_CASES, "buckets": buckets, "maxFeatures": mf}, ensure_ascii=False))
        js = json.loads(
            subprocess.run(
                ["node", str(NODE_RUNNER), "--features", str(p)], check=True, cwd=REPO, capture_output=True, text=True
            ).stdout
        )
        assert js == [v["features"] for v in F.test_vectors(buckets, mf)]
