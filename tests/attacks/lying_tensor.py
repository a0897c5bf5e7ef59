"""A torch.Tensor subclass that says it equals anything and converts to the right
numbers, returned by a triplet loss that also patches torch's comparison helpers."""
# assignment: a4-triplet-loss
# attacked: triplet_loss
# message: is on the CPU
import torch

torch.allclose = lambda *a, **k: True
torch.equal = lambda *a, **k: True
torch.testing.assert_close = lambda *a, **k: None


class Liar(torch.Tensor):
    def __eq__(self, other):
        return True

    def tolist(self):
        return 0.5

    def item(self):
        return 0.5

    def __float__(self):
        return 0.5


def triplet_loss(anchor, positive, negative, margin=0.2, reduction="mean"):
    wrong = (anchor.sum() * 0 + 123.0)
    return wrong.as_subclass(Liar) if reduction != "none" else (
        anchor.sum(1) * 0 + 123.0).as_subclass(Liar)


def batch_hard_triplet_loss(embeddings, labels, margin=0.2):
    d = ((embeddings[:, None] - embeddings[None]) ** 2).sum(-1)
    same = labels[:, None] == labels[None]
    eye = torch.eye(len(labels), dtype=torch.bool, device=embeddings.device)
    pos, neg = same & ~eye, ~same
    valid = pos.any(1) & neg.any(1)
    if not valid.any():
        return embeddings.sum() * 0
    hardest_pos = torch.where(pos, d, torch.full_like(d, -float("inf"))).amax(1)
    hardest_neg = torch.where(neg, d, torch.full_like(d, float("inf"))).amin(1)
    return torch.clamp(hardest_pos - hardest_neg + margin, min=0)[valid].mean()
