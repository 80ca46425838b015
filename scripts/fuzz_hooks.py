"""Schemathesis hooks for scripts/fuzz.sh (loaded through SCHEMATHESIS_HOOKS).

The signup schema says "phone: a string of 1-64 characters", but the service also asks
libphonenumber whether the number exists, so nearly every generated phone number or email is
refused with a 400 before the throttle and Cassandra are reached. This hook gives about half of
the generated signup bodies a phone number and/or email that the service accepts, written in the
spellings callers use (punctuation, tel: URIs, full-width digits, upper case, spaces, plus-tags,
a trailing dot). Everything else the generator made is kept: name, unknown fields, wrong types.
So the fuzzing also covers the 201 and 429 answers, the RateLimit headers and Cassandra writes of
odd names.

The choice is a pure function of the generated body (a hash of it), so it draws nothing from
Hypothesis. A flatmap that drew its own values made Hypothesis's target phase spin for minutes
now and then.
"""

import hashlib
import json
import os

import schemathesis

SIGNUPS = ("POST /v1/signup", "POST /user/v1/create")

# Made by scripts/fuzz.sh before the run: the account whose token every request carries, and a
# call and a conference of it.
ACCOUNT_ID = os.environ.get("FUZZ_ACCOUNT_ID")
CALL_SID = os.environ.get("FUZZ_CALL_SID")
CONFERENCE_SID = os.environ.get("FUZZ_CONFERENCE_SID")

# 415-555-0000..9999 are all valid US numbers; these are spellings the service normalises.
PHONE_SPELLINGS = (
    "+1415555{n}",
    "+1 (415) 555-{n}",
    "415-555-{n}",
    "415.555.{n}",
    "tel:+1-415-555-{n}",
    "\uff0b\uff11 \uff14\uff11\uff15 \uff15\uff15\uff15 {wide}",
)
WIDE_DIGITS = str.maketrans("0123456789", "".join(chr(0xFF10 + d) for d in range(10)))
EMAIL_SHAPES = (
    "{local}{tag}@example.com",
    "{local}{tag}@Example.ORG",
    "  {local}{tag}@example.net. ",
    "{LOCAL}{tag}@EXAMPLE.COM",
)
TAGS = ("", "+news", "+1")


@schemathesis.hook
def map_body(context, body):
    operation = context.operation
    if operation is None or operation.label not in SIGNUPS or not isinstance(body, dict):
        return body
    if "phone" not in body and "email" not in body:
        return body
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, default=repr).encode()).digest()
    if digest[0] % 2:
        return body
    body = dict(body)
    if "phone" in body:
        n = f"{int.from_bytes(digest[1:3], 'big') % 10000:04d}"
        spelling = PHONE_SPELLINGS[digest[3] % len(PHONE_SPELLINGS)]
        body["phone"] = spelling.format(n=n, wide=n.translate(WIDE_DIGITS))
    if "email" in body:
        local = f"fuzz{int.from_bytes(digest[4:7], 'big')}"
        shape = EMAIL_SHAPES[digest[7] % len(EMAIL_SHAPES)]
        body["email"] = shape.format(local=local, LOCAL=local.upper(), tag=TAGS[digest[8] % len(TAGS)])
    return body


@schemathesis.hook
def map_path_parameters(context, path_parameters):
    """About half the generated paths name the fuzzing account (and its call or conference), so
    the handlers behind authentication are reached; the rest keep what was generated (403/404)."""
    operation = context.operation
    if operation is None or not isinstance(path_parameters, dict):
        return path_parameters
    digest = hashlib.sha256(json.dumps(path_parameters, sort_keys=True, default=repr).encode()).digest()
    if digest[0] % 2:
        return path_parameters
    mapped = dict(path_parameters)
    if "accountId" in mapped and ACCOUNT_ID:
        mapped["accountId"] = ACCOUNT_ID
    if "sid" in mapped:
        sid = CONFERENCE_SID if "/conferences/" in operation.path else CALL_SID
        if sid:
            mapped["sid"] = sid
    return mapped
