"""Usage errors are one line with a pointer to --help, exit 2, like every other error."""

import pytest

from risk.cli import main


@pytest.mark.parametrize("argv", [["train", "--seed", "x"], ["predict"], ["nosuchcommand"]])
def test_usage_error_is_one_line(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    err = capsys.readouterr().err.strip()
    assert exit_info.value.code == 2
    assert len(err.splitlines()) == 1 and err.startswith("error: ") and "--help" in err
