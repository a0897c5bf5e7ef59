"""A loop collects losses in torch.zeros(B) made without device= (and dtype=)."""
import torch

# expect-fail: batch_hard_triplet_loss/worked-examples
# expect-fail: batch_hard_triplet_loss/worked-gradients
# expect-fail: batch_hard_triplet_loss/matches-reference
# expect-fail: batch_hard_triplet_loss/gradients-match-reference


def triplet_loss(anchor, positive, negative, margin=0.2, reduction="mean"):
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"unknown reduction {reduction!r}")
    d_pos = ((anchor - positive) ** 2).sum(dim=1)
    d_neg = ((anchor - negative) ** 2).sum(dim=1)
    losses = torch.clamp(d_pos - d_neg + margin, min=0.0)
    if reduction == "mean":
        return losses.mean()
    if reduction == "sum":
        return losses.sum()
    return losses


def batch_hard_triplet_loss(embeddings, labels, margin=0.2):
    n = embeddings.shape[0]
    losses = torch.zeros(n)
    valid = torch.zeros(n, dtype=torch.bool)
    for i in range(n):
        d = ((embeddings - embeddings[i]) ** 2).sum(dim=1)
        pos = labels == labels[i]
        pos[i] = False
        neg = labels != labels[i]
        if pos.any() and neg.any():
            losses[i] = torch.clamp(d[pos].max() - d[neg].min() + margin, min=0)
            valid[i] = True
    if not valid.any():
        return embeddings.sum() * 0
    return losses[valid].mean()
