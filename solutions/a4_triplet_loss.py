"""Reference for assignment a4-triplet-loss: the triplet loss and its batch-hard variant, in torch.

Squared Euclidean distances are sums of squared differences rather than the expansion
|a|^2 - 2ab + |b|^2, which cancels badly for nearby points.
"""

import torch
from torch import Tensor

_REDUCTIONS = {"mean": torch.mean, "sum": torch.sum, "none": lambda losses: losses}


def triplet_loss(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    margin: float = 0.2,
    reduction: str = "mean",
) -> Tensor:
    """max(d(a, p) - d(a, n) + margin, 0) per row of [B, D] inputs, reduced by mean, sum or none.

    Differentiable; any other reduction raises ValueError.
    """
    if reduction not in _REDUCTIONS:
        raise ValueError(f"reduction must be one of {sorted(_REDUCTIONS)}, got {reduction!r}")
    d_pos = (anchor - positive).pow(2).sum(dim=1)
    d_neg = (anchor - negative).pow(2).sum(dim=1)
    return _REDUCTIONS[reduction]((d_pos - d_neg + margin).clamp(min=0))


def batch_hard_triplet_loss(embeddings: Tensor, labels: Tensor, margin: float = 0.2) -> Tensor:
    """Mean over anchors of max(hardest positive - hardest negative + margin, 0).

    Anchors with no positive (another index, same label) or no negative are left out; when none
    remain the result is a zero still connected to embeddings, so backward() gives zero gradients.
    """
    same_label = labels[:, None] == labels[None, :]
    is_self = torch.eye(len(labels), dtype=torch.bool, device=labels.device)
    positive = same_label & ~is_self
    negative = ~same_label
    valid = positive.any(dim=1) & negative.any(dim=1)
    if not valid.any():
        return embeddings.sum() * 0
    dist = (embeddings[:, None, :] - embeddings[None, :, :]).pow(2).sum(dim=-1)  # [B, B]
    hardest_positive = dist.masked_fill(~positive, -torch.inf).amax(dim=1)
    hardest_negative = dist.masked_fill(~negative, torch.inf).amin(dim=1)
    losses = (hardest_positive - hardest_negative + margin).clamp(min=0)
    return losses[valid].mean()
