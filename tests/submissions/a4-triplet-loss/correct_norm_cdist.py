"""torch.norm / torch.cdist squared, masked_fill with +-inf, and the batch-hard loss built
from triplet_loss on the mined (anchor, positive, negative) indices."""
import torch
import torch.nn.functional as F

REDUCTIONS = {"mean": torch.mean, "sum": torch.sum, "none": lambda x: x}


def triplet_loss(anchor, positive, negative, margin=0.2, reduction="mean"):
    if reduction not in REDUCTIONS:
        raise ValueError(reduction)
    pos_dist = torch.norm(anchor - positive, dim=1) ** 2
    neg_dist = torch.linalg.vector_norm(anchor - negative, dim=1) ** 2
    return REDUCTIONS[reduction](F.relu(pos_dist - neg_dist + margin))


def batch_hard_triplet_loss(embeddings, labels, margin=0.2):
    with torch.no_grad():
        dist = torch.cdist(embeddings, embeddings).pow(2)
        same = labels.unsqueeze(1) == labels.unsqueeze(0)
        same.fill_diagonal_(False)
        different = labels.unsqueeze(1) != labels.unsqueeze(0)
        has_both = same.any(dim=1) & different.any(dim=1)
        pos_idx = dist.masked_fill(~same, float("-inf")).argmax(dim=1)
        neg_idx = dist.masked_fill(~different, float("inf")).argmin(dim=1)
    if has_both.sum() == 0:
        return 0.0 * embeddings.sum()
    anchors = embeddings[has_both]
    return triplet_loss(anchors, embeddings[pos_idx[has_both]], embeddings[neg_idx[has_both]],
                        margin=margin, reduction="mean")
