"""Journal and redaction without any host: append-only records, torn lines, masking rules."""

from __future__ import annotations

import logging

import pytest

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
    j.append({"event": "run-end", "outcome": RunOutcome.COMPLETE})
    with j.path.open("ab") as fh:
        fh.write(b'{"event": "step", "step": "rollback", "outco')
    assert j.state().complete is True


def test_rollback_undoes_completion_and_finalisation_is_remembered(tmp_path):
    j = Journal(tmp_path / "s.jsonl")
    j.append({"event": "run-end", "outcome": RunOutcome.COMPLETE})
    j.append({"event": "step", "step": "rollback", "outcome": "done"})
    assert j.state().complete is False
    j.append({"event": "run-end", "outcome": RunOutcome.COMPLETE})
    j.append({"event": "finalised"})
    state = j.state()
    assert state.complete and state.finalised and state.finalised_at


def test_hash_cache_rehashes_only_entries_whose_metadata_changed(tmp_path):
    from playbooks.manifest import Entry, HashCache

    cache = HashCache(tmp_path / "h.json")
    calls: list[list[str]] = []

    class FakeSession:
        class endpoint:  # noqa: N801 - mimics SSHSession.endpoint
            label = "fake"

    import playbooks.manifest as mf

    def fake_hash(session, root, rels, size, *, sudo=False):
        calls.append(sorted(rels))
        return {r: "h-" + r for r in rels}

    listing = {
        "a": Entry("f", 1, "1.0", "1.0", 10, 0o644, 0, 0, 1, ""),
        "b": Entry("f", 2, "1.0", "1.0", 11, 0o644, 0, 0, 1, ""),
    }
    original = mf.hash_files
    mf.hash_files = fake_hash  # type: ignore[assignment]
    try:
        cache.refresh("s", FakeSession(), "/r", listing)  # type: ignore[arg-type]
        cache.save()
        again = HashCache(tmp_path / "h.json")
        touched = {**listing, "b": Entry("f", 2, "1.0", "2.0", 11, 0o644, 0, 0, 1, "")}  # ctime moved
        hashes, n, _ = again.refresh("s", FakeSession(), "/r", touched)  # type: ignore[arg-type]
    finally:
        mf.hash_files = original  # type: ignore[assignment]
    assert calls == [["a", "b"], ["b"]] and n == 1 and hashes == {"a": "h-a", "b": "h-b"}


def test_hash_cache_keeps_the_oldest_equal_observation_and_reads_its_first_format(tmp_path):
    import json

    from playbooks.manifest import HashCache

    cache = HashCache(tmp_path / "h.json")
    cache.observe("app/0/source", "d1", 100.0)
    cache.observe("app/0/source", "d1", 200.0)  # the same tree again: the older moment is the proof
    cache.verified["app/0"] = ("d1", "t1")
    cache.save()
    again = HashCache(tmp_path / "h.json")
    assert again.observation("app/0/source") == ("d1", 100.0)
    again.observe("app/0/source", "d2", 300.0)  # changed: the window starts again
    assert again.observation("app/0/source") == ("d2", 300.0)
    assert again.verified == {"app/0": ("d1", "t1")}
    first_format = tmp_path / "old.json"
    first_format.write_text(json.dumps({"app/0/source": {"a": ["1:1.0:1.0:10", "h-a"]}}))
    old = HashCache(first_format)
    assert old.data == {"app/0/source": {"a": ["1:1.0:1.0:10", "h-a"]}} and old.observed == {}


def test_journal_masks_secrets_at_write_time(tmp_path):
    j = Journal(tmp_path / "s.jsonl", Redactor(["s3cr3t-value"]))
    j.append({"event": "step", "commands": ["deploy --password hunter2 && echo s3cr3t-value"]})
    text = j.path.read_text()
    assert "hunter2" not in text and "s3cr3t-value" not in text and MASK in text


def test_redactor_masks_common_secret_shapes():
    r = Redactor()
    text = r.scrub(
        "mysql -uroot -pTopSecret; curl -H 'Authorization: Bearer abcdefghijk' "
        "https://u:pa55word@h/ token=xyz123 production"
    )
    for secret in ("TopSecret", "abcdefghijk", "pa55word", "xyz123"):
        assert secret not in text
    assert "production" in text


def test_environment_values_are_masked_by_value_whatever_the_name():
    r = Redactor()
    r.add_environment({"DB_PW": "Zq9-from-env", "X": "another-value"})
    text = r.scrub("connect with Zq9-from-env then another-value")
    assert "Zq9-from-env" not in text and "another-value" not in text


@pytest.mark.parametrize(
    ("command", "secret"),
    [
        ("curl -s -u admin:Curl-Pw1 https://h/api", "Curl-Pw1"),
        ("curl --user admin:Curl-Pw2 https://h/api", "Curl-Pw2"),
        ("redis-cli -h 10.0.0.5 -a Redis-Pw3 ping", "Redis-Pw3"),
        ("ldapsearch -x -D cn=admin -w Ldap-Pw4 -b dc=gov", "Ldap-Pw4"),
        ("mongo admin -u root -p Mongo-Pw5 --eval 1", "Mongo-Pw5"),
        ("mongodump --password=Mongo-Pw6 --out /tmp/d", "Mongo-Pw6"),
        ("openssl enc -aes-256-cbc -k Ossl-Pw7 -in a -out b", "Ossl-Pw7"),
        ("openssl pkcs12 -in a.p12 -passin pass:Ossl-Pw8", "Ossl-Pw8"),
        ("echo Sudo-Pw9 | sudo -S systemctl stop app", "Sudo-Pw9"),
        ("sshpass -p Ssh-Pw10 ssh host", "Ssh-Pw10"),
    ],
)
def test_password_options_of_the_usual_tools_are_masked(command, secret):
    masked = Redactor().scrub(command)
    assert secret not in masked and MASK in masked
    assert masked.split()[0] == command.split()[0], "the command itself stays readable"


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
