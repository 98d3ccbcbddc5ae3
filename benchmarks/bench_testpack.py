"""Reference test pack: building it (at each save) and checking it (``models verify``, the
Model page's first view) for the shipped model's 1,111 reference patients.

Goal: verify under 1 s on the 2-core machine. Reference measured in the same run: the bare
served prediction of the same patients (``BiopsyRiskModel.predict``, curves and bands), the
part of the work no check can avoid.
"""

from __future__ import annotations

import time

GOAL_SECONDS = 1.0


def _best(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    from risk.data.reading import read_cells
    from risk.data.validation import validate_cohort
    from risk.model import BiopsyRiskModel, build_pack, check_pack
    from risk.model.testpack_patients import INPUT_COLUMNS
    from risk.registry import Registry

    params, _ = Registry().read("synthetic-v1")
    model = BiopsyRiskModel.from_dict(params)
    pack = build_pack(model)
    raw = read_cells(pack)
    frame = validate_cohort(raw[[c for c in raw.columns if c in INPUT_COLUMNS]],
                            purpose="prediction").frame
    ref = _best(lambda: model.predict(frame).table)
    print(f"reference: served prediction of the pack's {len(frame):,} patients: "
          f"{ref * 1000:.0f} ms")
    build = _best(lambda: build_pack(model))
    print(f"build the pack (at a save): {build:.2f} s = {build / ref:.1f} x reference")
    check = _best(lambda: check_pack(model, pack))
    verdict = "meets" if check < GOAL_SECONDS else "MISSES"
    print(f"check the pack (models verify, the Model page): {check:.2f} s = "
          f"{check / ref:.1f} x reference ({verdict} the {GOAL_SECONDS:.0f} s goal)")


if __name__ == "__main__":
    main()
