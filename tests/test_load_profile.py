"""Where the server's time goes (mnist_demo/tools/spy.py): each py-spy sample is put to the part of the program that
spent it, the training thread apart, so the load test can say what a drawing or a page check costs and who pays."""

import pytest

from mnist_demo.tools import spy

RAW = """\
thread (11): ScriptRunner.scriptThread;_run_script (/v/streamlit/runtime/scriptrunner/script_runner.py:600);\
<module> (/w/mnist_demo/web/pages/draw.py:40);forward (/v/torch/nn/modules/conv.py:548) 7
thread (11): ScriptRunner.scriptThread;<module> (/w/mnist_demo/web/pages/draw.py:41);dumps (/py/json/__init__.py:231) 3
thread (11): ScriptRunner.scriptThread;markdown (/v/streamlit/elements/markdown.py:110);dumps (/py/json/encoder.py:9) 5
thread (12): MainThread;run (/py/asyncio/base_events.py:1922);_run (/v/tornado/websocket.py:100) 4
thread (13): Thread-5 (train);fit (/w/mnist_demo/train/loop.py:300);backward (/v/torch/_tensor.py:625) 80
thread (11): ScriptRunner.scriptThread;add_trace (plotly/basedatatypes.py:2000) 2
thread (11): ScriptRunner.scriptThread;f (mnist_demo/web/canvas.py:3);conv2d (torch/nn/functional.py:9) 4
thread (14): Thread-9;wait (/py/threading.py:320) 1
"""


def test_each_sample_goes_to_the_part_that_spent_it_and_training_stands_apart():
    profile = spy.read_raw(RAW)
    assert profile.samples == {"PyTorch": 11, "the app's code": 3, "Streamlit and its server": 9, "Plotly": 2,
                               spy.TRAINING: 80, spy.OTHER: 1}
    assert profile.serving == 26 and profile.seconds() == pytest.approx(26 / spy.RATE)
    table = profile.table()
    assert table[0][0] == "PyTorch" and table[0][2] == pytest.approx(11 / 26)
    assert table[-1][0] == spy.TRAINING and table[-1][1] == pytest.approx(0.8)


def test_odd_lines_are_skipped():
    assert spy.read_raw("\nnot a stack\nthread (1): x;f (/w/app.py:3) many\n").total == 0
