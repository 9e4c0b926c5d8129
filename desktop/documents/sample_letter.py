"""A sample letter that proves a PC prints letters correctly: the recipient's language from the
catalogue, the letterhead, and every letter Estonian and Slovenian need (õ ä ö ü š ž č ć).

`school-office --smoke-test` prints it in Estonian and Slovenian through DocumentService and
reads the text back from the PDF. Data in, PDF bytes out.
"""

from __future__ import annotations

from desktop.documents.builders import build_letter
from desktop.documents.model import DocumentInfo, Letterhead, LetterSpec, Paragraph
from desktop.domain.salutation import after_salutation, salutation
from desktop.i18n import N_, translator

KIND = "sample-letter"  # registered in desktop.documents.kinds
TITLE = N_("Sample letter (print check)")
SUBJECT = N_("Sample letter from School Office")
BODY = (
    N_(
        "This letter was printed to check that School Office prints letters correctly on this "
        "computer. It needs no answer."
    ),
    N_("Letters of the Estonian and Slovenian alphabets: %(letters)s"),
)
CLOSING = N_("Kind regards,\n%(school)s")
# Upper and lower case of every letter beyond ASCII the two languages use (and đ, in names).
LETTERS = "Õõ Ää Öö Üü Šš Žž Čč Ćć Đđ"


def sample_letter_spec(
    school: Letterhead,
    info: DocumentInfo,
    language: str,
    recipient: tuple[str, ...],
    guardian_name: str,
) -> LetterSpec:
    tr = translator(language)
    values = {"guardian": guardian_name, "letters": LETTERS, "school": school.name}
    texts = [tr.gettext(text) % values for text in (*BODY, CLOSING)]
    texts[0] = after_salutation(language, texts[0])
    body = (Paragraph(salutation(tr, guardian_name)), *(Paragraph(text) for text in texts))
    return LetterSpec(
        school=school,
        info=info,
        language=language,
        recipient=recipient,
        subject=tr.gettext(SUBJECT),
        body=body,
        title=tr.gettext(TITLE),
    )


def build_sample_letter(
    school: Letterhead,
    info: DocumentInfo,
    language: str,
    recipient: tuple[str, ...],
    guardian_name: str,
) -> bytes:
    return build_letter(sample_letter_spec(school, info, language, recipient, guardian_name))
