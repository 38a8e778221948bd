"""Journal and redaction without any host: append-only records, torn lines, masking rules."""

from __future__ import annotations

import logging

from playbooks.journal import Journal, RunOutcome
from playbooks.redact import MASK, RedactingFilter, Redactor


def test_journal_appends_and_never_rewrites(tmp_path):
    j = Journal(tmp_path / "s.jsonl")
    j.append({"event": "run-start", "run": "r1"})
    first = j.path.read_bytes()
    j.append({"event": "run-end", "run": "r1", "outcome": RunOutcome.COMPLETE})
    assert j.path.read_bytes().startswith(first)
    assert [r["event"] for r in j.records()] == ["run-start", "run-end"]


def test_torn_last_line_is_ignored_when_resuming(tmp_path):
    j = Journal(tmp_path / "s.jsonl")
    j.append({"event": "file", "dir": 0, "path": "a", "sha256": "aa", "outcome": "verified"})
    with j.path.open("ab") as fh:
        fh.write(b'{"event": "file", "dir": 0, "path": "b", "sha2')
    assert j.state().verified == {"0:a": "aa"}


def test_rollback_forgets_verified_files(tmp_path):
    j = Journal(tmp_path / "s.jsonl")
    j.append({"event": "file", "dir": 0, "path": "a", "sha256": "aa", "outcome": "verified"})
    j.append({"event": "run-end", "outcome": RunOutcome.COMPLETE})
    j.append({"event": "step", "step": "rollback", "outcome": "done"})
    state = j.state()
    assert state.verified == {} and state.complete is False


def test_journal_masks_secrets_at_write_time(tmp_path):
    j = Journal(tmp_path / "s.jsonl", Redactor(["s3cr3t-value"]))
    j.append({"event": "step", "commands": ["deploy --password hunter2 && echo s3cr3t-value"]})
    text = j.path.read_text()
    assert "hunter2" not in text and "s3cr3t-value" not in text and MASK in text


def test_redactor_masks_common_secret_shapes():
    r = Redactor()
    r.add_environment({"DB_PASSWORD": "pw-from-env", "APP_MODE": "production"})
    text = r.scrub(
        "mysql -uroot -pTopSecret; curl -H 'Authorization: Bearer abcdefghijk' "
        "https://u:pa55word@h/ token=xyz123 pw-from-env production"
    )
    for secret in ("TopSecret", "abcdefghijk", "pa55word", "xyz123", "pw-from-env"):
        assert secret not in text
    assert "production" in text, "non-secret environment values stay readable"


def test_redactor_masks_private_keys():
    key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----"
    assert "b3BlbnNzaC1rZXktdjEAAAAA" not in Redactor().scrub(f"key: {key}")


def test_redactor_leaves_ordinary_prose_alone():
    text = "when all its checks pass it is reported unchanged; sudo: a password is required"
    assert Redactor().scrub(text) == text


def test_logging_filter_scrubs_formatted_messages(caplog):
    logger = logging.getLogger("playbooks.test-filter")
    logger.addFilter(RedactingFilter(Redactor(["canary-123456"])))
    with caplog.at_level(logging.INFO, logger="playbooks.test-filter"):
        logger.info("value %s", "canary-123456")
    assert "canary-123456" not in caplog.text and MASK in caplog.text
