"""Letter printing speed: notices of issuance as PDF postcards, on one core (issue 7's goal:
500 letters a second on 2 cores, so 250 a second a core).

Prints N notices for synthetic residents (Faker ja_JP names and kana, real-looking
addresses; each letter different, so nothing is cached between letters but the fixed
sentences' line breaks) and reports, on one core:

- single: letters a second with one PDF a letter (`issuance_notice`), size of a PDF;
- run: letters a second with one PDF for a run of `--run` letters (`issuance_notices`),
  the font embedded once per file, and the size per letter.

Run: `python bench/bench_letters.py [--letters N] [--run R]`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import date, timedelta

from faker import Faker

from mynumbercard.adapters.documents import PdfLetterPrinter
from mynumbercard.services.letters import IssuanceNotice


def notices(count: int) -> list[IssuanceNotice]:
    fake = Faker("ja_JP")
    fake.seed_instance(2026)
    out = []
    for i in range(count):
        last, first = fake.last_name_pair(), fake.first_name_pair()
        out.append(
            IssuanceNotice(
                holder_name=f"{last[0]} {first[0]}",
                holder_name_kana=f"{last[1]} {first[1]}",
                postal_code=fake.zipcode(),
                address=fake.address().split(" ", 1)[-1],
                office_name="千代田区役所 区民課 マイナンバーカード交付窓口",
                office_address="東京都千代田区九段南1-2-1 千代田区役所2階",
                office_phone="03-1234-5678",
                office_hours=("平日 8時30分〜17時15分", "第2・第4日曜日 9時〜17時（予約制）"),
                things_to_bring=(
                    "この交付通知書",
                    "本人確認書類（運転免許証、パスポートなど）",
                    "通知カード（お持ちの方）",
                ),
                pick_up_deadline=date(2027, 2, 25) + timedelta(days=i % 30),
                issued_on=date(2026, 11, 10),
                notice_date=date(2026, 11, 25),
                booking_url=f"https://yoyaku.example.lg.jp/visit?notice=131016-2026-{i:06d}",
                reference=f"131016-2026-{i:06d}",
            )
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--letters", type=int, default=500)
    parser.add_argument("--run", type=int, default=100, help="letters in one print-run PDF")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core

    letters = notices(args.letters)
    started = time.perf_counter()
    printer = PdfLetterPrinter()
    printer.issuance_notice(letters[0])  # font loading, first wraps
    print(f"printer ready in {time.perf_counter() - started:.2f} s (font load, warm-up)")

    started = time.perf_counter()
    sizes = [len(printer.issuance_notice(notice)) for notice in letters]
    elapsed = time.perf_counter() - started
    print(
        f"single: {len(letters) / elapsed:6.0f} letters/s on one core "
        f"({elapsed / len(letters) * 1000:.1f} ms a letter); PDF mean "
        f"{statistics.mean(sizes) / 1000:.0f} kB, max {max(sizes) / 1000:.0f} kB"
    )

    started = time.perf_counter()
    run_bytes = 0
    for start in range(0, len(letters), args.run):
        run_bytes += len(printer.issuance_notices(letters[start : start + args.run]))
    elapsed = time.perf_counter() - started
    print(
        f"run of {args.run}: {len(letters) / elapsed:6.0f} letters/s on one core "
        f"({elapsed / len(letters) * 1000:.1f} ms a letter); "
        f"{run_bytes / len(letters) / 1000:.0f} kB a letter"
    )


if __name__ == "__main__":
    main()
