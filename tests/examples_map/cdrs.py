"""CDRs examples: `cdr_example.json` of 2.2.1 and 2.3.0, and the inline JSON of `2.1.1/mod_cdrs.md` extracted
into tests/fixtures/2.1.1/cdrs/."""

from tests.spec import Example

EXAMPLES: dict[str, Example] = {
    "2.2.1/examples/cdr_example.json": Example("ocpi.modules.cdrs.v_2_2_1.schemas:CDR"),
    "2.3.0/examples/cdr_example.json": Example(
        "ocpi.modules.cdrs.v_2_3_0.schemas:CDR",
        erratum="the embedded Tariff lacks `tax_included`, required in 2.3.0 (mod_tariffs.asciidoc, Tariff object)",
        errors=("tariffs.0.tax_included: missing",),
    ),
    "fixture:2.1.1/cdrs/cdr_example.json": Example(
        "ocpi.modules.cdrs.v_2_1_1.schemas:CDR",
        erratum=(
            'the embedded tariff\'s price is the string "2.00" where the table says number; read leniently. The '
            'location\'s `country` is "BE", an alpha-2 code where the table says ISO 3166-1 alpha-3; its EVSE ID is '
            "written with `-` where eMI3 writes `*`"
        ),
        coerced=("tariffs.0.elements.0.price_components.0.price",),
        deviations=(
            "$.location.country: country-alpha3",
            "$.location.evses[0].evse_id: evse-id",
            "$.tariffs[0].elements[0].price_components[0].price: json-number",
        ),
    ),
}
