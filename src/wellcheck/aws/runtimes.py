"""End of support of AWS Lambda's managed Python runtimes.

The date is "deprecation" (end of support phase 1): from that day Lambda no
longer patches the runtime and functions on it lose technical support.  Creating
and then updating functions is blocked some weeks later; invocations go on, so a
forgotten function keeps running on an unpatched interpreter indefinitely.

Source: the "Supported runtimes" and "Deprecated runtimes" tables of
https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html, cross-checked
(November 2026) with AWS Health notices quoted in public issue trackers
(python3.10 moved from 2026-06-30 to 2026-10-31; python3.9 from 2025-10-31 to
2025-12-15; python3.11 is 2027-06-30, one year after Amazon Linux 2's end of
life) and with the table in tflint-ruleset-aws's
``aws_lambda_function_deprecated_runtime`` rule.  AWS moves these dates; update
the table when it does (the check reports a runtime it does not know as
nothing, never as supported-for-sure).
"""

from __future__ import annotations

from datetime import date

PYTHON_RUNTIME_DEPRECATION: dict[str, date] = {
    "python2.7": date(2021, 7, 15),
    "python3.6": date(2022, 7, 18),
    "python3.7": date(2023, 12, 4),
    "python3.8": date(2024, 10, 14),
    "python3.9": date(2025, 12, 15),
    "python3.10": date(2026, 10, 31),
    "python3.11": date(2027, 6, 30),
    "python3.12": date(2028, 10, 31),
    "python3.13": date(2029, 6, 30),
    "python3.14": date(2029, 6, 30),
}

RUNTIMES_SOURCE = "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html"


def deprecation_date(runtime: str) -> date | None:
    """The end-of-support date of a Lambda Python runtime, None when unknown."""
    return PYTHON_RUNTIME_DEPRECATION.get(runtime)


def is_past_end_of_support(runtime: str, today: date) -> bool:
    when = deprecation_date(runtime)
    return when is not None and today >= when
