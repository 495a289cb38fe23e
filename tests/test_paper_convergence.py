"""The §5 self-checks shared by the chapter's pages. The paper's numbers of each page are
tested beside it: tests/test_paper_convergence_nd.py (Figs 6-8, the condition number) and
tests/test_paper_convergence_examples.py (Figs 9-14, §5.3)."""
import pytest

import ebtricks as eb


@pytest.mark.parametrize("fn,args,right", [
    (eb.checks.one_dimensional_rates, (0.25, 0.5, 4.0), True),
    (eb.checks.one_dimensional_rates, (0.5, 1.0, 4.0), False),
    (eb.checks.lms_eta_max, (2.0,), True),
    (eb.checks.lms_eta_max, (2.38,), False),
    (eb.checks.steps_for_condition_number, (1375, 100), True),
    (eb.checks.steps_for_condition_number, (100, 100), False),
    (eb.checks.whitened_eta_opt, (1.0,), True),
])
def test_exercise_self_checks(fn, args, right, capsys):
    assert fn(*args) is right
    assert ("correct" in capsys.readouterr().out) == right
