"""The exported graph computes what the torch model computes, for every variant and history shape.

The export is not a trace: it fuses projections (q/k/v side by side, LoRA experts block-diagonal) and
runs the last block at the last position only. Random weights (not a trained model), so every path
carries signal: padded and unpadded rows, length 1, max_len and more, gate bias, the co-occurrence head.
"""

import numpy as np
import onnxruntime as ort
import pytest
import torch

from training.evaluate import model_feeds
from training.export import build_model_graph
from training.model import ModelConfig, Recommender


def random_model(variant: str, layers: int, cooc: bool) -> Recommender:
    torch.manual_seed(3)
    cfg = ModelConfig(
        n_items=120,
        dim=32,
        layers=layers,
        heads=2,
        ffn=64,
        max_len=12,
        variant=variant,
        experts=3,
        rank=2,
        dropout=0.0,
        id_dropout=0.0,
        buckets=0,
        max_features=4,
        lora_targets="qkvo,ffn",
    )
    m = Recommender(cfg)
    with torch.no_grad():
        for p in m.parameters():
            p.add_(torch.randn_like(p) * 0.2)  # LoRA B starts at zero: make every branch count
    if cooc:
        g = torch.randn(121, 5)
        g[0] = 0
        m.attach_cooc(g, torch.rand(121), 0.7)
    return m.eval()


@pytest.mark.parametrize(
    "variant,layers,cooc", [("ilora", 2, True), ("ilora", 1, False), ("lora", 2, False), ("backbone", 3, True)]
)
def test_graph_matches_torch(variant, layers, cooc):
    m = random_model(variant, layers, cooc)
    onx, _, _ = build_model_graph(m, quant=False)
    sess = ort.InferenceSession(onx.SerializeToString(), providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(0)
    K = m.cfg.n_experts
    for length in (1, 5, 12, 15):
        hist = rng.integers(1, 121, (3, length))
        hist[1, : length // 2] = 0  # left padding
        gb = rng.normal(size=(3, K)).astype(np.float32)
        scores, user, gate = sess.run(["scores", "user", "gate"], model_feeds(hist, gb))
        with torch.no_grad():
            ts, tu, tg = m(torch.from_numpy(hist), torch.from_numpy(gb))
        assert scores.shape == (3, 121) and user.shape == (3, m.out_dim) and gate.shape == (3, K)
        np.testing.assert_allclose(user, tu.numpy(), atol=1e-5)
        np.testing.assert_allclose(scores, ts.numpy(), atol=1e-4)
        np.testing.assert_allclose(gate, tg.numpy(), atol=1e-6)
        # without the catalogue scores: an empty scores tensor, the same user and gate
        none, user2, gate2 = sess.run(["scores", "user", "gate"], model_feeds(hist, gb, with_scores=False))
        assert none.shape == (3, 0)
        np.testing.assert_array_equal(user2, user)
        np.testing.assert_array_equal(gate2, gate)


def test_fused_int8_weights_are_the_separate_layers_quantised():
    """Side by side / block-diagonal weights keep each output channel's own int8 scale: the int8 graph
    stays as close to fp32 as quantisation allows, far below the gap a mixed-up channel would make."""
    m = random_model("ilora", 2, False)
    onx8, blob, _ = build_model_graph(m, quant=True)
    import onnx
    from onnx import numpy_helper

    ext = {}
    for t in onx8.graph.initializer:
        if t.data_location == onnx.TensorProto.EXTERNAL:
            kv = {e.key: e.value for e in t.external_data}
            raw = blob[int(kv["offset"]) : int(kv["offset"]) + int(kv["length"])]
            ext[t.name] = np.frombuffer(
                raw, dtype=np.int8 if t.data_type == onnx.TensorProto.INT8 else np.float32
            ).reshape(tuple(t.dims))
    w = {t.name: numpy_helper.to_array(t) for t in onx8.graph.initializer if t.name not in ext}
    # the first block's fused q|k|v weight dequantises to the separate weights within half a step
    q, s = w["l0_qkv_w_q"], w["l0_qkv_w_scale"]
    blk = m.blocks[0]
    want = np.concatenate(
        [blk.q.lin.weight.detach().numpy().T, blk.k.lin.weight.detach().numpy().T, blk.v.lin.weight.detach().numpy().T],
        axis=1,
    )
    assert np.abs(q.astype(np.float32) * s[None, :] - want).max() <= s.max() / 2 + 1e-7
    # the block-diagonal experts' B: zeros off the diagonal blocks, stay zero after quantisation
    bq = w["l0_qkv_loraB_q"]
    r = m.blocks[0].q.total_rank
    d = m.cfg.dim
    assert not bq[:r, d:].any() and not bq[r : 2 * r, :d].any() and not bq[r : 2 * r, 2 * d :].any()
