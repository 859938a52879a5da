"""The `rasid` command line. Each command's help is its manual.

Commands are thin: they parse options, call one function from crawler/,
extract/ or db/, and print. Errors a person can fix (a bad file, a bad URL, a
bad option) become one line naming the culprit and exit code 2.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime

import click

from extract.dates import parse_date


class UserError(click.ClickException):
    """A problem in what the user gave us: one line, exit code 2."""

    exit_code = 2


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="rasid")
def main() -> None:
    """Rasid (راصد): a monitoring crawler for Arabic news sites.

    Rasid revisits the news sites listed in seeds/sites.toml, finds new
    articles through their feeds, sitemaps and listing pages, extracts the
    article text without the site's clutter, reads Arabic dates into exact
    timestamps, and records every article and every later edit in a SQLite
    store, with an alert for each new, changed or removed article.

    Start with `rasid demo`: it serves offline snapshots of the five seed
    sites on 127.0.0.1, crawls them, changes them, and crawls again.
    """


# --- dates -------------------------------------------------------------------


@main.group()
def dates() -> None:
    """Read Arabic dates into exact timestamps."""


def _date_answer(text: str, reference: str | None, tz: str | None) -> dict:
    result = parse_date(text, reference, tz)
    if result is None:
        return {"iso": None, "precision": None, "calendar": None}
    return result.as_dict()


@dates.command("parse")
@click.argument("text", required=False)
@click.option("--reference", metavar="ISO",
              help="Instant that relative dates and weekdays are read against, e.g. "
                   "2022-04-06T18:30:00+03:00. Default: now.")
@click.option("--tz", metavar="ZONE", help="IANA time zone for times written without an offset "
                                          "(the site's zone), e.g. Asia/Baghdad. Default: UTC.")
@click.option("--jsonl", is_flag=True,
              help="Read JSON lines with `text` and optional `reference` and `tz` on standard "
                   "input; write one JSON object per line, in the same order.")
def dates_parse(text: str | None, reference: str | None, tz: str | None, jsonl: bool) -> None:
    """Parse TEXT, an Arabic (or machine-format) date, and print it as JSON.

    The answer has `iso` (cut to the precision it was written with: 2021,
    2021-07, 2021-07-14, or a full timestamp with offset), `precision` (year,
    month, day, hour, minute, second) and `calendar` (gregorian or hijri).
    Text that is not a date, or names an impossible date, gives null.

    \b
    Examples:
      rasid dates parse "الاربعاء 6 نيسان ابريل 2022"
      rasid dates parse "منذ 3 ساعات" --reference 2022-04-06T18:30:00+03:00 --tz Asia/Baghdad
      echo '{"text": "5 رمضان 1443 هـ"}' | rasid dates parse --jsonl
    """
    default_ref = datetime.now(UTC).isoformat()
    if jsonl:
        if text is not None:
            raise UserError("give either TEXT or --jsonl, not both")
        for number, line in enumerate(sys.stdin, 1):
            if not line.strip():
                continue
            try:
                case = json.loads(line)
                answer = _date_answer(str(case["text"]), case.get("reference") or reference or default_ref,
                                      case.get("tz") or tz)
            except (ValueError, KeyError, TypeError) as exc:
                raise UserError(f"stdin line {number}: {exc}") from None
            click.echo(json.dumps(answer, ensure_ascii=False))
        return
    if text is None:
        raise UserError("missing TEXT (or use --jsonl)")
    try:
        answer = _date_answer(text, reference or default_ref, tz)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    click.echo(json.dumps(answer, ensure_ascii=False))


if __name__ == "__main__":
    main()
