"""Every command explains itself; the date command speaks JSON."""

import json

import pytest
from click.testing import CliRunner

from crawler.cli import main


@pytest.mark.parametrize("command", [[], ["crawl"], ["demo"], ["replay"], ["replay", "serve"], ["dates"],
                                     ["dates", "parse"]])
def test_every_command_has_a_manual(command):
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output and len(result.output) > 200


def test_dates_parse_prints_json():
    result = CliRunner().invoke(main, ["dates", "parse", "منذ 3 ساعات", "--reference", "2022-04-06T18:30:00+03:00",
                                       "--tz", "Asia/Baghdad"])
    assert json.loads(result.output) == {"iso": "2022-04-06T15:30:00+03:00", "precision": "minute",
                                         "calendar": "gregorian"}


def test_dates_parse_jsonl_keeps_order_and_nulls():
    lines = [{"text": "5 رمضان 1443 هـ"}, {"text": "العودة للخلف"}, {"text": "أيار 2022"}]
    result = CliRunner().invoke(main, ["dates", "parse", "--jsonl"],
                                input="\n".join(json.dumps(x, ensure_ascii=False) for x in lines))
    answers = [json.loads(line) for line in result.output.splitlines()]
    assert [a["iso"] for a in answers] == ["2022-04-06", None, "2022-05"]
    assert answers[0]["calendar"] == "hijri"


def test_dates_parse_bad_input_is_exit_2():
    result = CliRunner().invoke(main, ["dates", "parse", "--jsonl"], input="not json\n")
    assert result.exit_code == 2 and "stdin line 1" in result.output
