"""The code the lessons teach, written once in the lessons' cells marked ``#| export: module``.

Do not edit: change the lesson's cell, then run  python .ci/export_lessons.py
"""

#: Every function the lessons export, and the module (in this package) that holds it.
EXPORTED = {
    "build_better_dense_model": "better_dense_network",
    "build_cnn_model": "cnn",
    "build_dense_model": "dense_network",
    "build_original_model": "original_network",
    "compile_like_the_original": "original_network",
    "cosine_schedule": "better_dense_network",
    "fit_better_dense_model": "better_dense_network",
    "fit_cnn": "cnn",
    "fit_original_model": "original_network",
    "original_callbacks": "original_network",
    "schedule_and_best_epoch_callbacks": "better_dense_network",
}
