"""Decoder-only transformer recommender over item tokens, with instance-wise LoRA (iLoRA).

Item token = ID embedding + content path (mean of hashed-feature bucket embeddings -> linear);
ID dropout in training makes content-only tokens (cold items) usable. Position information is a
learned per-head bias on the distance query-key (initialised ALiBi-like), so training windows and
right-aligned inference of any length see the same geometry. Scores are pure dot products with
the item tokens.

iLoRA: every adapted projection has K experts of rank r, stored concatenated (A: [in, K*r],
B: [K*r, out]). A softmax gate over the experts, computed per position from the mean of the
tokens seen so far (causal) plus `gate_bias`, scales each expert's rank slice:
    y = x W + b + ((x A) * repeat(gate, r)) B
which equals sum_k gate_k * (x A_k) B_k. `export.py` builds the same graph in ONNX.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

NEG = -1e9


@dataclass
class ModelConfig:
    n_items: int
    dim: int = 64
    layers: int = 2
    heads: int = 2
    ffn: int = 256
    max_len: int = 50
    variant: str = "ilora"  # backbone | lora | ilora
    experts: int = 4
    rank: int = 4
    dropout: float = 0.3
    id_dropout: float = 0.1
    buckets: int = 0  # 0 = no content path
    max_features: int = 16
    lora_targets: str = "qkvo,ffn"

    @property
    def n_experts(self) -> int:
        """Experts as seen by the graph's `gate` output (1 for backbone / plain LoRA)."""
        return self.experts if self.variant == "ilora" else 1

    @property
    def expert_rank(self) -> int:
        if self.variant == "ilora":
            return self.rank
        if self.variant == "lora":
            return self.experts * self.rank  # equal total rank, one expert
        return 0

    def to_dict(self):
        return asdict(self)


class LoraLinear(nn.Module):
    def __init__(self, d_in: int, d_out: int, total_rank: int):
        super().__init__()
        self.lin = nn.Linear(d_in, d_out)
        self.total_rank = total_rank
        if total_rank > 0:
            self.A = nn.Parameter(torch.randn(d_in, total_rank) / math.sqrt(d_in))
            self.B = nn.Parameter(torch.zeros(total_rank, d_out))

    def forward(self, x, grep):
        y = self.lin(x)
        if self.total_rank > 0:
            xa = x @ self.A
            if grep is not None:
                xa = xa * grep
            y = y + xa @ self.B
        return y


class Block(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        d, h = cfg.dim, cfg.heads
        tr = cfg.n_experts * cfg.expert_rank
        targets = cfg.lora_targets.split(",")
        ra = tr if "qkvo" in targets else 0
        rf = tr if "ffn" in targets else 0
        self.heads = h
        self.ln1 = nn.LayerNorm(d)
        self.q, self.k, self.v, self.o = (LoraLinear(d, d, ra) for _ in range(4))
        slopes = torch.tensor([2.0 ** (-(i + 1) * 4.0 / h) for i in range(h)])
        self.pos = nn.Parameter(-slopes[:, None] * torch.arange(cfg.max_len, dtype=torch.float32)[None, :])
        self.ln2 = nn.LayerNorm(d)
        self.f1 = LoraLinear(d, cfg.ffn, rf)
        self.f2 = LoraLinear(cfg.ffn, d, rf)
        self.drop = nn.Dropout(cfg.dropout)

    def forward(self, x, mask_add, dist, grep):
        B, L, d = x.shape
        H, dh = self.heads, d // self.heads
        h = self.ln1(x)
        q = self.q(h, grep).view(B, L, H, dh).transpose(1, 2)
        k = self.k(h, grep).view(B, L, H, dh).transpose(1, 2)
        v = self.v(h, grep).view(B, L, H, dh).transpose(1, 2)
        att = (q @ k.transpose(-1, -2)) * (1.0 / math.sqrt(dh)) + self.pos[:, dist] + mask_add
        att = torch.softmax(att, dim=-1)
        out = (att @ v).transpose(1, 2).reshape(B, L, d)
        x = x + self.drop(self.o(out, grep))
        h = self.ln2(x)
        x = x + self.drop(self.f2(torch.relu(self.f1(h, grep)), grep))
        return x


class Recommender(nn.Module):
    def __init__(self, cfg: ModelConfig, feats: torch.Tensor | None = None, has_id: torch.Tensor | None = None):
        super().__init__()
        self.cfg = cfg
        n, d = cfg.n_items, cfg.dim
        self.id_emb = nn.Embedding(n + 1, d)
        nn.init.normal_(self.id_emb.weight, std=0.1)
        if has_id is None:
            has_id = torch.ones(n + 1, dtype=torch.bool)
        has_id = has_id.clone()
        has_id[0] = False
        self.register_buffer("has_id", has_id.float(), persistent=False)
        self.use_content = cfg.buckets > 0 and feats is not None
        if self.use_content:
            self.bucket = nn.Embedding(cfg.buckets, d, padding_idx=0)
            nn.init.normal_(self.bucket.weight, std=0.1)
            with torch.no_grad():
                self.bucket.weight[0].zero_()
            self.cproj = nn.Linear(d, d)
            self.register_buffer("feats", feats.long(), persistent=False)
        K, r = cfg.n_experts, cfg.expert_rank
        if cfg.variant == "ilora":
            self.gate = nn.Linear(d, K)
            self.register_buffer("R", torch.repeat_interleave(torch.eye(K), r, dim=1), persistent=False)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.layers))
        self.ln_f = nn.LayerNorm(d)
        self.drop = nn.Dropout(cfg.dropout)
        # the co-occurrence head (attach_cooc; none until then)
        self.register_buffer("cooc_g", None, persistent=False)
        self.register_buffer("cooc_w", None, persistent=False)
        self.cooc_scale = 0.0

    # -- item tokens ------------------------------------------------------------------------
    def content_tokens(self, feats: torch.Tensor) -> torch.Tensor:
        """[M, maxFeatures] bucket ids -> [M, dim] (the encoder)."""
        e = self.bucket(feats)
        cnt = (feats > 0).sum(1, keepdim=True).clamp(min=1).float()
        return self.cproj(e.sum(1) / cnt)

    def token_table(self, id_keep: torch.Tensor | None = None) -> torch.Tensor:
        """[N+1, dim]; row 0 (pad) zero. `id_keep` ([N+1] 0/1) drops ID embeddings (training)."""
        m = self.has_id if id_keep is None else self.has_id * id_keep
        t = self.id_emb.weight * m[:, None]
        if self.use_content:
            t = t + self.content_tokens(self.feats)
        row_mask = torch.ones(t.shape[0], 1, device=t.device)
        row_mask[0] = 0
        return t * row_mask

    # -- sequence encoder -------------------------------------------------------------------
    def encode(self, history: torch.Tensor, table: torch.Tensor, gate_bias: torch.Tensor | None = None):
        """history [B, L] right-aligned -> hidden [B, L, d], gate [B, L, K] (per prefix)."""
        B, L = history.shape
        tok = table[history]
        nonpad = history != 0
        if self.cfg.variant == "ilora":
            cnt = nonpad.cumsum(1).clamp(min=1).float()
            mean = tok.cumsum(1) / cnt[..., None]
            logits = self.gate(mean)
            if gate_bias is not None:
                logits = logits + gate_bias[:, None, :]
            gate = torch.softmax(logits, dim=-1)
            grep = gate @ self.R
        else:
            gate = torch.ones(B, L, 1, device=history.device)
            grep = None
        pos = torch.arange(L, device=history.device)
        dist = (pos[:, None] - pos[None, :]).clamp(0, self.cfg.max_len - 1)
        causal = pos[None, :] <= pos[:, None]
        eye = pos[None, :] == pos[:, None]
        allowed = causal[None, None] & (nonpad[:, None, None, :] | eye[None, None])
        mask_add = torch.where(allowed, 0.0, NEG)
        x = self.drop(tok)
        for blk in self.blocks:
            x = blk(x, mask_add, dist, grep)
        return self.ln_f(x), gate

    def attach_cooc(self, g: torch.Tensor, w: torch.Tensor, scale: float, meta: dict | None = None) -> None:
        """The co-occurrence head (training/cooc.py): item rows g [N+1, r] appended to the tokens,
        per-item weights w [N+1] and a scale, so that the user vector gains r dimensions
        scale * sum_h w_h g_h over the history and the scores gain the item-item co-occurrence term."""
        self.cooc_g, self.cooc_w, self.cooc_scale = g.float(), w.float(), float(scale)
        self.cooc_meta = dict(meta or {})

    @property
    def out_dim(self) -> int:
        """Width of the user vector and of the item tokens the graph scores (dim + cooc rank)."""
        return self.cfg.dim + (0 if self.cooc_g is None else self.cooc_g.shape[1])

    def forward(self, history, gate_bias=None, table=None):
        """Inference contract: scores [B, N+1], user [B, out_dim], gate [B, K]."""
        if table is None:
            table = self.token_table()
        h, gate = self.encode(history, table, gate_bias)
        user = h[:, -1]
        if self.cooc_g is not None:
            ce = (self.cooc_g[history] * self.cooc_w[history][..., None]).sum(1) * self.cooc_scale
            user = torch.cat([user, ce], 1)
            table = torch.cat([table, self.cooc_g], 1)
        return user @ table.T, user, gate[:, -1]

    def loss(self, x: torch.Tensor, y: torch.Tensor, id_keep: torch.Tensor | None = None, negatives: int = 0):
        """Cross-entropy at every non-pad target position: over the full catalogue, or (negatives > 0)
        over the target and `negatives` uniformly drawn items shared by the batch (hits of the target masked)."""
        table = self.token_table(id_keep)
        h, _ = self.encode(x, table)
        sel = y != 0
        h, t = h[sel], y[sel]
        if negatives <= 0:
            logits = h @ table.T
            logits[:, 0] = NEG
            return F.cross_entropy(logits, t)
        neg = torch.randint(1, self.cfg.n_items + 1, (negatives,))
        pos = (h * table[t]).sum(-1, keepdim=True)
        nl = (h @ table[neg].T).masked_fill(neg[None, :] == t[:, None], NEG)
        return F.cross_entropy(torch.cat([pos, nl], 1), torch.zeros(len(t), dtype=torch.long))
