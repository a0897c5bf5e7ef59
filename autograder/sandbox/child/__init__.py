"""Code that runs inside the child process beside the student's code.

Nothing here imports `autograder`: the child is started with only this folder, the
standard library, numpy and torch importable, so that student code cannot reach the
grader, the references or the hidden checks.
"""
