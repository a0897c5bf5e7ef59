"""a1-activations: the sigmoid and its derivative, in numpy."""

FUNCTIONS = {
    "sigmoid": "(z)",
    "sigmoid_derivative": "(z)",
}
LIBRARIES = ("numpy",)
