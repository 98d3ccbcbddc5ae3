"""Chunked scoring (risk.model.batch): chunks of whole records, file-wide row numbers in every
message, output in input order, nothing written for a bad file. A stand-in model keeps
these tests about the streaming; the real model is used in test_cli_model.py."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from csv_checks import check_csv_conventions

from risk.data.chunks import iter_record_chunks
from risk.data.export import to_csv_bytes
from risk.errors import ValidationError
from risk.model import batch

HEADER = ("patient_id,age,sex,primary_site,primary_grade,met_grade,met_timing,liver_burden,"
          "extrahepatic_mets,primary_resected,functional_syndrome,ecog,os_months,death\n")
SITES = ("pancreas", "small_intestine", "rectum", "colon")


def row(i: int, **change) -> str:
    grades = ("G1", "G2", "G3")
    cells = {"patient_id": f"PT-{i:05d}", "age": str(40 + i % 40),
             "sex": ("female", "male")[i % 2], "primary_site": SITES[i % 4],
             "primary_grade": grades[i % 3],
             "met_grade": "" if i % 5 == 0 else grades[(i + 1) % 3],
             "met_timing": "synchronous", "liver_burden": "lt25", "extrahepatic_mets": "0",
             "primary_resected": "1", "functional_syndrome": "0", "ecog": str(i % 3),
             "os_months": f"{10 + i % 50}.5", "death": str(i % 2)}
    cells.update(change)
    return ",".join(cells[name] for name in HEADER.strip().split(",")) + "\n"


def write(path, rows) -> str:
    path.write_text(HEADER + "".join(rows))
    return str(path)


class StandInModel:
    """predict() -> a table with the contract's columns; survival falls with age."""

    def predict(self, frame):
        s = 1 - frame["age"].to_numpy() / 200
        table = pd.DataFrame({"patient_id": frame["patient_id"].to_numpy(),
                              "model_used": np.where(frame["met_grade"].isna(), "primary_only",
                                                     "biopsy")})
        for m in (12, 36, 60, 120):
            table[f"surv_{m}"], table[f"surv_{m}_lower"], table[f"surv_{m}_upper"] = s, s - .1, s
        table["median_os_months"] = np.where(s > .7, np.nan, 50.0)
        table["median_os_lower"] = table["median_os_upper"] = table["median_os_months"]
        table["risk_group"] = "low"
        table["flags"] = ""
        table["linear_predictor"] = 0.0
        return type("Predictions", (), {"table": table})()


def test_chunks_hold_whole_records_and_number_rows_over_the_file(tmp_path):
    rows = [row(i) for i in range(1, 8)]
    rows[2] = rows[2].replace("PT-00003", '"PT-00003"')  # quotes, balanced
    path = write(tmp_path / "in.csv", rows[:4] + ["\n"] + rows[4:])
    chunks = list(iter_record_chunks(path, rows=3))
    assert [first for first, _ in chunks] == [1, 4, 7]
    assert all(chunk.startswith(HEADER.encode()) for _, chunk in chunks)
    bodies = b"".join(chunk[len(HEADER):] for _, chunk in chunks)
    assert bodies == "".join(rows[:4] + ["\n"] + rows[4:]).encode()


def test_a_quoted_line_break_never_splits_a_record(tmp_path):
    path = tmp_path / "in.csv"
    path.write_bytes(b'a,b\n1,"x\ny"\n2,z\n3,w\n')
    chunks = list(iter_record_chunks(path, rows=1))
    assert chunks == [(1, b'a,b\n1,"x\ny"\n'), (2, b"a,b\n2,z\n"), (3, b"a,b\n3,w\n")]


@pytest.mark.parametrize("block", [1, 5, 17, 64, 1 << 20])
def test_chunks_are_the_same_whatever_the_read_block(tmp_path, monkeypatch, block):
    """A block without quotes is taken whole only when no chunk ends in it: chunks are
    those of reading line by line (a 1-byte block), with quoted line breaks, blank
    lines, CRLF and a last line without its line end."""
    import risk.data.chunks as chunks_module

    text = (b'a,b\n1,x\n\n2,"y\nz"\n3,w\r\n' + b"".join(b"%d,v\n" % i for i in range(4, 40))
            + b'40,"q""r"\n41,end')
    path = tmp_path / "in.csv"
    path.write_bytes(text)
    monkeypatch.setattr(chunks_module, "READ_BLOCK", 1)
    expected = {(rows, size): list(iter_record_chunks(path, rows=rows, max_bytes=size))
                for rows in (1, 3, 7, 100) for size in (10, 60, 1 << 20)}
    monkeypatch.setattr(chunks_module, "READ_BLOCK", block)
    for (rows, size), chunks in expected.items():
        assert list(iter_record_chunks(path, rows=rows, max_bytes=size)) == chunks
        assert b"".join(c[len(b"a,b\n"):] for _, c in chunks) == text[len(b"a,b\n"):]


def test_header_only_and_empty_files_give_one_chunk_for_the_validator(tmp_path):
    (tmp_path / "h.csv").write_text(HEADER)
    (tmp_path / "e.csv").write_text("")
    assert list(iter_record_chunks(tmp_path / "h.csv")) == [(1, HEADER.encode())]
    assert list(iter_record_chunks(tmp_path / "e.csv")) == [(1, b"")]


@pytest.mark.parametrize("chunk_rows", [3, 50_000])
def test_scoring_in_chunks_gives_one_row_per_patient_in_order(tmp_path, chunk_rows):
    path = write(tmp_path / "in.csv", [row(i) for i in range(1, 12)])
    out = tmp_path / "out.csv"
    summary = batch.score_file(StandInModel(), "v-test", path, out, chunk_rows=chunk_rows,
                               jobs=1)
    table = pd.read_csv(out, dtype={"flags": str}, keep_default_na=False,
                        na_values={"median_os_months": [""]})
    assert list(table.columns) == list(batch.OUTPUT_COLUMNS)
    assert table["patient_id"].tolist() == [f"PT-{i:05d}" for i in range(1, 12)]
    assert set(table["model_version"]) == {"v-test"}
    assert table["surv_60"].to_numpy() == pytest.approx(1 - np.arange(41, 52) / 200, abs=1e-6)
    assert table["median_os_months"].isna().sum() == sum(1 - (40 + i) / 200 > .7
                                                         for i in range(1, 12))
    assert summary.patients == 11
    assert summary.by_model == {"biopsy": 9, "primary_only": 2}
    assert "os_months" in summary.ignored_columns


def test_problems_in_later_chunks_name_their_rows_in_the_whole_file(tmp_path):
    rows = [row(i) for i in range(1, 11)]
    rows[5] = row(6, age="abc")                  # chunk 2 (rows 5-8)
    rows[6] = row(7, patient_id="PT-00005")      # repeats row 5, same chunk
    rows[8] = row(9, patient_id="PT-00002")      # repeats row 2, another chunk
    path = write(tmp_path / "in.csv", rows)
    out = tmp_path / "out.csv"
    with pytest.raises(ValidationError) as caught:
        batch.score_file(StandInModel(), "v", path, out, chunk_rows=4, jobs=1)
    problems = {(p.row, p.column): p.message for p in caught.value.problems}
    assert set(problems) == {(6, "age"), (5, "patient_id"), (7, "patient_id"),
                             (2, "patient_id"), (9, "patient_id")}
    assert problems[(5, "patient_id")].endswith("(also in row 7)")
    assert problems[(7, "patient_id")].endswith("(also in row 5)")
    assert problems[(2, "patient_id")].endswith("(also in row 9)")
    assert problems[(9, "patient_id")].endswith("(also in row 2)")
    assert caught.value.summary == "5 problems found"
    assert [p.row for p in caught.value.problems] == [2, 5, 6, 7, 9]
    assert not out.exists()
    assert not list(tmp_path.glob(".out.csv.tmp-*"))


def test_the_same_file_gives_the_same_problems_in_one_chunk_or_many(tmp_path):
    rows = [row(i) for i in range(1, 10)]
    rows[1] = row(2, sex="unknown")
    rows[5] = row(6, ecog="7", liver_burden="huge")
    rows[8] = row(9, patient_id="PT-00001")
    path = write(tmp_path / "in.csv", rows)

    def messages(chunk_rows):
        with pytest.raises(ValidationError) as caught:
            batch.score_file(StandInModel(), "v", path, tmp_path / "o.csv",
                             chunk_rows=chunk_rows, jobs=1)
        return [str(p) for p in caught.value.problems]

    assert messages(2) == messages(100)


def test_a_header_problem_is_reported_once(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text(HEADER.replace("ecog", "patient_name") + "".join(row(i) for i in range(6)))
    with pytest.raises(ValidationError) as caught:
        batch.score_file(StandInModel(), "v", path, tmp_path / "o.csv", chunk_rows=2, jobs=1)
    texts = [str(p) for p in caught.value.problems]
    assert sum("patient_name" in t for t in texts) == 1


def test_an_existing_output_is_kept_when_the_input_is_bad(tmp_path):
    path = write(tmp_path / "in.csv", [row(1, age="")])
    out = tmp_path / "out.csv"
    out.write_text("previous results\n")
    with pytest.raises(ValidationError):
        batch.score_file(StandInModel(), "v", path, out)
    assert out.read_text() == "previous results\n"


def test_formula_like_text_is_neutralised_in_the_output(tmp_path):
    """patient_id allows a leading '-', which a spreadsheet reads as a formula."""
    path = write(tmp_path / "in.csv", [row(1, patient_id="-1"), row(2, patient_id="-A1-B2"),
                                       row(3)])
    out = tmp_path / "out.csv"
    batch.score_file(StandInModel(), "v", path, out)
    first_cells = [line.split(",")[0] for line in out.read_text().splitlines()[1:]]
    assert first_cells == ["'-1", "'-A1-B2", "PT-00003"]


@pytest.mark.parametrize("chunk_rows", [1, 4, 50_000])
def test_chunked_output_is_the_whole_table_written_at_once(tmp_path, chunk_rows):
    """The header once, then each chunk's rows: byte for byte the one CSV writer's file
    of the whole table, with its conventions (BOM, CRLF, neutralised text, 12 digits)."""
    rows = [row(i) for i in range(1, 12)] + [row(12, patient_id="-12")]
    path = write(tmp_path / "in.csv", rows)
    out = tmp_path / "out.csv"
    batch.score_file(StandInModel(), "v-test", path, out, chunk_rows=chunk_rows, jobs=1)
    from risk.data.reading import read_cells
    from risk.data.validation import validate_cohort

    raw = read_cells((tmp_path / "in.csv").read_bytes())
    frame = validate_cohort(raw, purpose="prediction").frame
    from risk.data.export import MACHINE_DIGITS
    from risk.model.grade_sensitivity import with_grade_sensitivity

    table = with_grade_sensitivity(StandInModel(), frame, StandInModel().predict(frame).table)
    whole = batch.output_table(table, "v-test")
    assert out.read_bytes() == to_csv_bytes(whole, digits=MACHINE_DIGITS)
    cells = check_csv_conventions(out.read_bytes())
    assert cells[-1][0] == "'-12"
    assert cells[1][cells[0].index("surv_60")] == "0.795"


def test_notes_of_many_chunks_are_summed_as_counts_and_worded_once():
    """Counts are data, summed per note over chunks; the words (with "Ki-67" in them)
    are never re-parsed, so 'Ki-67' cannot become 'Ki-134'."""
    from risk.data.notes import Note
    from risk.model.batch import ScoreSummary, _Chunk

    empty = np.array([], dtype=object), np.array([], dtype=np.int64)
    summary = ScoreSummary()
    for derived, blank in ((12, 1), (30, 0), (5, 2)):
        notes = (Note("derived", derived, "primary_grade"), Note("default", 3, "sstr_status"))
        notes += (Note("blank_rows", blank),) if blank else ()
        summary.add(_Chunk(0, *empty, patients=10, notes=notes))
    assert summary.notes == ["primary_grade derived from Ki-67/mitoses in 47 rows",
                             "sstr_status blank in 9 rows, read as 'unknown'",
                             "3 blank rows skipped"]
