"""Each lesson's exercises, one module per lesson (``lesson_NN.py`` with ``EXERCISES``); ``mh.exercises(NN)`` finds it.

A check tests what the learner's answer does or holds (shapes, counts, values, a model's predictions), never a
library's internals, and raises ``WrongAnswerError`` with what exactly is wrong and what to look at.
"""
