import pytest

from workers.notifications.rendering import (
    KINDS,
    REQUIRED_PARAMS,
    TemplateRenderError,
    render_email,
    render_sms,
    template_version,
)

SAMPLE = {
    "name": "Asha Rao",
    "invite_url": "https://versant.test/invite/8f3k2",
    "expires_at": "on 7 Feb",
    "reset_url": "https://versant.test/reset/91xk",
    "expires_minutes": 30,
    "test_name": "Unit 3",
    "window_start": "Mon 09:00",
    "window_end": "Fri 18:00",
    "test_url": "https://versant.test/t/3",
    "results_url": "https://versant.test/r/3",
}


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_renders_all_parts_with_a_version(kind):
    email = render_email(kind, SAMPLE)
    assert email.subject
    assert "\n" not in email.subject
    assert "<html" in email.html
    assert "Asha Rao" in email.html
    assert "Asha Rao" in email.text
    assert email.version == template_version(kind)
    assert len(email.version) == 12
    sms = render_sms(kind, SAMPLE)
    assert sms.version == email.version
    # Short enough for one GSM-7 segment with realistic params.
    assert sms.info.encoding == "GSM-7", sms.text
    assert sms.info.segments == 1, sms.text


def test_html_is_escaped_and_text_is_not():
    email = render_email("test_assigned", {**SAMPLE, "name": "<script>alert(1)</script>", "test_name": "Tom & Jerry"})
    assert "<script>" not in email.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in email.html
    assert "Tom &amp; Jerry" in email.html
    assert "<script>alert(1)</script>" in email.text


def test_versions_differ_between_templates():
    assert len({template_version(kind) for kind in KINDS}) == len(KINDS)


def test_missing_param_and_unknown_template_are_errors():
    params = dict(SAMPLE)
    params.pop("invite_url")
    with pytest.raises(TemplateRenderError, match="invite_url"):
        render_email("invitation", params)
    with pytest.raises(TemplateRenderError, match="unknown template"):
        render_email("newsletter", SAMPLE)


def test_required_params_cover_every_kind():
    assert set(REQUIRED_PARAMS) == set(KINDS)
