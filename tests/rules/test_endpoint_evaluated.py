"""STT001 judged by what the rewritten URL evaluates to, for every way a script builds it:
the rewritten module is run and its URL compared with the v3 URL the session needs."""

from __future__ import annotations

import os
from urllib.parse import parse_qs, urlsplit

import pytest

from migrator import migrate_source

V3 = "wss://streaming.assemblyai.com/v3/ws"
V2 = "wss://api.assemblyai.com/v2/realtime/ws"

FORMS = {
    "literal": f'URL = "{V2}?sample_rate=16000"',
    "f-string": f'URL = f"{V2}?sample_rate={{SR}}"',
    "percent": f'URL = "{V2}?sample_rate=%d" % SR',
    "percent-tuple": f'URL = "{V2}?sample_rate=%d&encoding=%s" % (SR, "pcm_s16le")',
    "percent-named": f'URL = "{V2}?sample_rate=%(rate)s" % {{"rate": SR}}',
    "format": f'URL = "{V2}?sample_rate={{}}".format(SR)',
    "format-indexed": f'URL = "{V2}?sample_rate={{0}}".format(SR)',
    "format-keyword": f'URL = "{V2}?sample_rate={{rate}}".format(rate=SR)',
    "concatenation": f'URL = "{V2}" + "?sample_rate=" + str(SR)',
    "implicit-concatenation": f'URL = ("{V2}"\n       "?sample_rate=16000")',
    "base-constant": f'BASE = "{V2}"\nURL = f"{{BASE}}?sample_rate={{SR}}"',
    "urlencode": f'URL = "{V2}?" + urlencode({{"sample_rate": SR}})',
    "env-default": f'URL = os.environ.get("STT_URL", "{V2}?sample_rate=16000")',
    "getenv-default": f'URL = os.getenv("STT_URL", f"{V2}?sample_rate={{SR}}")',
    "base-in-percent-template": f'BASE = "{V2}"\nURL = "%s?sample_rate=%d" % (BASE, SR)',
    "base-in-format-template": f'BASE = "{V2}"\nURL = "{{}}?sample_rate={{}}".format(BASE, SR)',
    "base-from-env-default": f'BASE = os.environ.get("STT_URL", "{V2}")\nURL = BASE + "?sample_rate=" + str(SR)',
    "class-attribute": f'class Config:\n    URL = "{V2}?sample_rate=%d" % 16000\nURL = Config.URL',
    # a conversion or format spec cannot be read: the endpoint changes, the query stays as written
    "percent-spec": f'URL = "{V2}?sample_rate=%05d" % SR',
    "format-spec": f'URL = "{V2}?sample_rate={{:d}}".format(SR)',
}
_OPAQUE = {"percent-spec", "format-spec"}


def _evaluated_url(line: str) -> tuple:
    source = (
        "import os\nfrom urllib.parse import urlencode\n\nimport websocket\n\nSR = 16000\n"
        f"{line}\n"
        'ws = websocket.WebSocketApp(URL, header={"Authorization": "key"})\n'
    )
    result = migrate_source(source)
    body = result.code.replace('ws = websocket.WebSocketApp(URL, header={"Authorization": "key"})\n', "")
    namespace: dict = {}
    environment = os.environ.pop("STT_URL", None)
    try:
        exec(compile(body, "<migrated>", "exec"), namespace)
    finally:
        if environment is not None:
            os.environ["STT_URL"] = environment
    return namespace["URL"], result


@pytest.mark.parametrize("form", sorted(FORMS))
def test_rewritten_url_evaluates_to_the_v3_url(form):
    url, result = _evaluated_url(FORMS[form])
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == V3
    query = parse_qs(parts.query)
    assert query["sample_rate"] == ["16000"]
    if form in _OPAQUE:
        assert [note.code for note in result.notes if note.code == "STT001"] == ["STT001"]
    else:
        assert query["format_turns"] == ["True"]
        assert query["speech_model"] == ["universal-streaming-english"]


@pytest.mark.parametrize("form", ["percent", "format", "percent-named", "format-keyword"])
def test_template_fields_are_never_url_encoded(form):
    """The old bug: the template's ``%d``/``{}`` went into urlencode as text and the script
    raised TypeError (or sent ``sample_rate=%25d``) before connecting."""
    url, _ = _evaluated_url(FORMS[form])
    assert "%25" not in url and "%7B" not in url and "{" not in url
