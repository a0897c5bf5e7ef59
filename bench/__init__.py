"""Grading-speed benchmarks: our grader beside nbgrader and otter-grader (``make bench``)."""
