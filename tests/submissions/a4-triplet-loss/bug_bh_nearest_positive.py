"""Takes the nearest positive (min) instead of the farthest (max) as the hardest positive."""
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
    dist = ((embeddings[:, None, :] - embeddings[None, :, :]) ** 2).sum(dim=-1)
    same = labels[:, None] == labels[None, :]
    eye = torch.eye(len(labels), dtype=torch.bool, device=embeddings.device)
    pos_mask = same & ~eye
    neg_mask = ~same
    valid = pos_mask.any(dim=1) & neg_mask.any(dim=1)
    if not valid.any():
        return embeddings.sum() * 0
    hardest_pos = dist.masked_fill(~pos_mask, float("inf")).amin(dim=1)
    hardest_neg = dist.masked_fill(~neg_mask, float("inf")).amin(dim=1)
    losses = torch.relu(hardest_pos - hardest_neg + margin)
    return losses[valid].mean()
