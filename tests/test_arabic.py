from extract.arabic import fold, to_ascii_digits


def test_folding_unifies_what_readers_treat_as_one_word():
    assert fold("الكاظمى") == fold("الكاظمي")
    assert fold("مسؤولية") == fold("مسئولية")
    assert fold("أمن") == fold("امن") == fold("إمن")
    assert fold("البصرة") == fold("البصره")
    assert fold("العـــراق") == fold("العراق")
    assert fold("مُصْطَفَى") == fold("مصطفى")


def test_digits():
    assert to_ascii_digits("٢٠٢١ و۲۰۲۲") == "2021 و2022"
