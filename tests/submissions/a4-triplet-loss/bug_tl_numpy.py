"""Computes in numpy and wraps the result in a new tensor: right values, no gradient."""
import numpy as np
import torch

# expect-fail: triplet_loss/analytic-gradients
# expect-fail: triplet_loss/gradients-match-reference


def triplet_loss(anchor, positive, negative, margin=0.2, reduction="mean"):
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"unknown reduction {reduction!r}")
    a = anchor.detach().cpu().numpy()
    p = positive.detach().cpu().numpy()
    n = negative.detach().cpu().numpy()
    losses = np.maximum(((a - p) ** 2).sum(axis=1) - ((a - n) ** 2).sum(axis=1) + margin, 0)
    if reduction == "mean":
        losses = losses.mean()
    elif reduction == "sum":
        losses = losses.sum()
    return torch.tensor(losses, dtype=anchor.dtype, device=anchor.device)


def batch_hard_triplet_loss(embeddings, labels, margin=0.2):
    dist = ((embeddings[:, None, :] - embeddings[None, :, :]) ** 2).sum(dim=-1)
    same = labels[:, None] == labels[None, :]
    eye = torch.eye(len(labels), dtype=torch.bool, device=embeddings.device)
    pos_mask = same & ~eye
    neg_mask = ~same
    valid = pos_mask.any(dim=1) & neg_mask.any(dim=1)
    if not valid.any():
        return embeddings.sum() * 0
    hardest_pos = dist.masked_fill(~pos_mask, float("-inf")).amax(dim=1)
    hardest_neg = dist.masked_fill(~neg_mask, float("inf")).amin(dim=1)
    losses = torch.relu(hardest_pos - hardest_neg + margin)
    return losses[valid].mean()
