"""Plain Python loops over rows and anchors, stacking the per-row losses."""
import torch


def triplet_loss(anchor, positive, negative, margin=0.2, reduction="mean"):
    if reduction not in ["mean", "sum", "none"]:
        raise ValueError("reduction must be 'mean', 'sum' or 'none'")
    losses = []
    for i in range(anchor.shape[0]):
        diff_pos = anchor[i] - positive[i]
        diff_neg = anchor[i] - negative[i]
        d_pos = torch.dot(diff_pos, diff_pos)
        d_neg = torch.dot(diff_neg, diff_neg)
        losses.append(torch.clamp(d_pos - d_neg + margin, min=0))
    losses = torch.stack(losses)
    if reduction == "none":
        return losses
    if reduction == "sum":
        return torch.sum(losses)
    return torch.sum(losses) / len(losses)


def batch_hard_triplet_loss(embeddings, labels, margin=0.2):
    n = embeddings.shape[0]
    losses = []
    for i in range(n):
        hardest_pos = None
        hardest_neg = None
        for j in range(n):
            d = ((embeddings[i] - embeddings[j]) ** 2).sum()
            if labels[j] == labels[i]:
                if j != i and (hardest_pos is None or d > hardest_pos):
                    hardest_pos = d
            elif hardest_neg is None or d < hardest_neg:
                hardest_neg = d
        if hardest_pos is None or hardest_neg is None:
            continue
        losses.append(torch.clamp(hardest_pos - hardest_neg + margin, min=0.0))
    if len(losses) == 0:
        return (embeddings * 0).sum()
    return sum(losses) / len(losses)
