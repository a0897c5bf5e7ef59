"""einsum distances, a match statement, in-place edits of intermediate tensors only, and a
zero built on the right device plus a connected zero."""
import torch


def triplet_loss(anchor, positive, negative, margin=0.2, reduction="mean"):
    match reduction:
        case "mean" | "sum" | "none":
            pass
        case _:
            raise ValueError(f"unknown reduction {reduction}")
    dp = anchor - positive
    dn = anchor - negative
    z = torch.einsum("bd,bd->b", dp, dp) - torch.einsum("bd,bd->b", dn, dn)
    z += margin
    losses = torch.where(z > 0, z, torch.zeros_like(z))
    if reduction == "none":
        return losses
    return losses.sum() if reduction == "sum" else losses.mean()


def batch_hard_triplet_loss(embeddings, labels, margin=0.2):
    diff = embeddings.unsqueeze(1) - embeddings.unsqueeze(0)
    dist = torch.einsum("ijk,ijk->ij", diff, diff)
    n = labels.numel()
    same = labels.view(-1, 1).eq(labels.view(1, -1))
    idx = torch.arange(n, device=embeddings.device)
    positive = same.clone()
    positive[idx, idx] = False
    negative = ~same

    pos_dist = dist.clone()
    pos_dist[~positive] = float("-inf")
    neg_dist = dist.clone()
    neg_dist[~negative] = float("inf")
    hardest_positive, _ = pos_dist.max(dim=1)
    hardest_negative, _ = neg_dist.min(dim=1)

    valid = positive.any(1) & negative.any(1)
    count = int(valid.sum())
    if count == 0:
        zero = torch.zeros((), dtype=embeddings.dtype, device=embeddings.device)
        return zero + 0 * embeddings.sum()
    losses = (hardest_positive[valid] - hardest_negative[valid] + margin).clamp_min(0)
    return losses.sum() / count
