"""a4-triplet-loss: the triplet loss and batch-hard mining, in torch."""

FUNCTIONS = {
    "triplet_loss": "(anchor, positive, negative, margin=0.2, reduction='mean')",
    "batch_hard_triplet_loss": "(embeddings, labels, margin=0.2)",
}
LIBRARIES = ("numpy", "torch")
