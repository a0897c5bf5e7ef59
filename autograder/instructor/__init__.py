"""Running the course on nbgrader, and exporting it to otter-grader.

- ``grade_cells``: which nbgrader grade cell records which check's score;
- ``source_notebook``: an assignment notebook plus its references -> nbgrader's source notebook;
- ``nbgrader_course``: the nbgrader course folder and nbgrader's own commands (release, collect);
- ``batch``: grade every collected submission in parallel, with the sandboxed grader;
- ``gradebook``: write the scores into nbgrader's gradebook and the autograded notebooks;
- ``feedback`` and ``reports``: per-student HTML feedback; CSV, plots and a summary page;
- ``otter``: the same assignment as an otter-grader assignment (for Gradescope).
"""
