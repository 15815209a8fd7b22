from workers.notifications.sms import describe_sms


def test_plain_gsm_up_to_160_is_one_segment():
    assert describe_sms("a" * 160).segments == 1
    info = describe_sms("a" * 161)
    assert (info.encoding, info.units, info.segments) == ("GSM-7", 161, 2)
    assert describe_sms("a" * 306).segments == 2
    assert describe_sms("a" * 307).segments == 3
    assert describe_sms("a" * 160).warnings == []


def test_extension_characters_count_twice():
    info = describe_sms("€" * 80)
    assert (info.units, info.segments) == (160, 1)
    assert describe_sms("€" * 80 + "a").segments == 2
    # 152 plain + "[" (2 septets) does not fit 153: the escape pair moves to segment 2
    assert describe_sms("a" * 152 + "[" + "a" * 10).segments == 2
    assert describe_sms("a" * 152 + "[" + "a" * 152).segments == 3  # naive 306/153 says 2


def test_gsm_accented_letters_stay_gsm():
    assert describe_sms("Café à Zürich, Ñoño £5 @ Øresund").encoding == "GSM-7"


def test_non_gsm_characters_force_ucs2():
    info = describe_sms("Namaste नमस्ते")
    assert info.unicode
    assert info.encoding == "UCS-2"
    assert any("Unicode" in note for note in info.warnings)
    assert describe_sms("ç" + "a" * 69).segments == 1  # ç is not in GSM-7 (Ç is)
    assert describe_sms("ç" + "a" * 70).segments == 2
    assert describe_sms("ç" + "a" * 133).segments == 2
    assert describe_sms("ç" + "a" * 134).segments == 3


def test_emoji_takes_two_ucs2_units():
    info = describe_sms("🙂" * 35)
    assert (info.units, info.segments) == (70, 1)
    assert describe_sms("🙂" * 36).segments == 2
    long = describe_sms("x" * 200 + "🙂")
    assert long.segments == 4
    assert any("segments" in note for note in long.warnings)
