"""The |x|^2 - 2 x.y + |y|^2 expansion with float 0/1 masks (the well-known TensorFlow
recipe): masked entries are pushed out of the max / min by adding the row's largest distance."""
import torch


def triplet_loss(anchor, positive, negative, margin=0.2, reduction="mean"):
    a2 = (anchor * anchor).sum(dim=1)
    d_pos = a2 - 2 * (anchor * positive).sum(dim=1) + (positive * positive).sum(dim=1)
    d_neg = a2 - 2 * (anchor * negative).sum(dim=1) + (negative * negative).sum(dim=1)
    z = d_pos - d_neg + margin
    losses = torch.maximum(z, torch.zeros_like(z))
    if reduction == "mean":
        return losses.mean()
    elif reduction == "sum":
        return losses.sum()
    elif reduction == "none":
        return losses
    else:
        raise ValueError(f"Unsupported reduction: {reduction}")


def _pairwise_distances(embeddings):
    dot = embeddings @ embeddings.t()
    square_norm = torch.diag(dot)
    distances = square_norm.unsqueeze(0) - 2.0 * dot + square_norm.unsqueeze(1)
    return torch.clamp(distances, min=0.0)


def batch_hard_triplet_loss(embeddings, labels, margin=0.2):
    dist = _pairwise_distances(embeddings)
    labels_equal = labels.unsqueeze(0) == labels.unsqueeze(1)
    not_self = ~torch.eye(labels.shape[0], dtype=torch.bool, device=labels.device)
    mask_pos = (labels_equal & not_self).to(embeddings.dtype)
    mask_neg = (~labels_equal).to(embeddings.dtype)

    hardest_positive = (mask_pos * dist).max(dim=1, keepdim=True)[0]
    max_dist = dist.max(dim=1, keepdim=True)[0]
    hardest_negative = (dist + max_dist * (1.0 - mask_neg)).min(dim=1, keepdim=True)[0]
    losses = torch.clamp(hardest_positive - hardest_negative + margin, min=0.0).squeeze(1)

    valid = ((mask_pos.sum(dim=1) > 0) & (mask_neg.sum(dim=1) > 0)).to(embeddings.dtype)
    return (losses * valid).sum() / torch.clamp(valid.sum(), min=1.0)
