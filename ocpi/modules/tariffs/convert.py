"""Tariffs: each version to and from the canonical form (the 2.3.0 Tariff).

Losses are JSON pointers into the object that was given. The embedded EnergyMix is converted by the Locations
module (`ocpi.modules.locations.convert`), its losses reported under `/energy_mix`.

2.2.1 -> canonical
- `tax_included` is invented as "NO": 2.2.1 prices exclude VAT ("Price per unit (excl. VAT)"), as the 2.3.0
  versions of the official examples say (DIGEST D.4).
- `min_price`/`max_price`: Price `{excl_vat, incl_vat}` -> PriceLimit `{before_taxes, after_taxes}`.

2.1.1 -> canonical
- as 2.2.1, and `country_code`/`party_id` come from the ConversionContext (the owner is in the URL in 2.1.1):
  ValueError without them. 2.1.1 has no `type`, `min_price`, `max_price`, start/end date-times: left unset.

canonical -> 2.2.1
- `preauthorize_amount` is dropped.
- `tax_included`: NO is what 2.2.1 means anyway (dropped silently). N/A is dropped and reported (2.2.1 says
  "no VAT" only by omitting `vat`). YES cannot be expressed: 2.2.1 prices are always excl. VAT. We convert
  each PriceComponent that has a `vat` to its price excl. VAT, price / (1 + vat/100), rounded to 4 decimals
  (the spec's default precision), and report it; a component without `vat` keeps its price (no VAT
  applies, so the amount the driver pays is unchanged; that non-VAT taxes are included is lost).
  PriceLimit `before_taxes` is already excl. taxes, so min/max map unchanged.
- PriceLimit `{before_taxes, after_taxes}` -> Price `{excl_vat, incl_vat}`.

canonical -> 2.1.1 (after the 2.2.1 step)
- Dropped: `country_code`, `party_id` (they travel in the URL), `type`, `min_price`, `max_price`,
  `start_date_time`, `end_date_time`, PriceComponent `vat`.
- A TariffElement with a `reservation` restriction is dropped as a whole (2.1.1 cannot price reservations;
  keeping it without the restriction would price charging time as reservation); ValueError if no element is
  left. The `min_current`/`max_current` restrictions are dropped: that element then applies whatever the
  current.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pydantic import BaseModel

from ocpi.core.convert import ConversionContext, Converted, Loss, LossLog
from ocpi.modules.locations import convert as locations_convert
from ocpi.modules.tariffs.v_2_1_1 import schemas as v211
from ocpi.modules.tariffs.v_2_2_1 import schemas as v221
from ocpi.modules.tariffs.v_2_3_0 import schemas as v230

Data = dict[str, Any]

_TARIFF: dict[str, type[BaseModel]] = {"2.1.1": v211.Tariff, "2.2.1": v221.Tariff, "2.3.0": v230.Tariff}
_PRICE_PRECISION = Decimal("0.0001")


def _tariff_class(version: str) -> type[BaseModel]:
    try:
        return _TARIFF[str(version)]
    except KeyError:
        raise ValueError(f"unsupported OCPI version {version!r}") from None


def _check(obj: BaseModel, version: str) -> None:
    if isinstance(obj, v211.TariffPatch):
        raise TypeError(
            "a 2.1.1 Tariff PATCH has no 2.2.1/2.3.0 equivalent (Tariffs PATCH was removed in 2.2): apply it to "
            "the stored Tariff as 2.1.1 and convert the resulting Tariff"
        )
    expected = _tariff_class(version)
    if type(obj) is not expected:
        raise TypeError(f"{type(obj).__module__}.{type(obj).__name__} is not a {version} Tariff")


def _dump(obj: BaseModel) -> Data:
    return obj.model_dump(mode="python", by_alias=True, exclude_none=True, exclude={"energy_mix"})


def _energy_mix(obj: BaseModel, convert: Any, version: str, data: Data, losses: list[Loss]) -> None:
    energy_mix = getattr(obj, "energy_mix", None)
    if energy_mix is None:
        return
    converted = convert(energy_mix, version)
    data["energy_mix"] = converted.value
    losses.extend(Loss("/energy_mix" + loss.pointer, loss.reason) for loss in converted.losses)


# --- up: older version -> canonical --------------------------------------------------------------


def _price_to_limit(price: Data) -> Data:
    limit = {k: v for k, v in price.items() if k not in ("excl_vat", "incl_vat")}
    limit["before_taxes"] = price["excl_vat"]
    if "incl_vat" in price:
        limit["after_taxes"] = price["incl_vat"]
    return limit


def _up_221(data: Data, log: LossLog) -> None:
    for key in ("min_price", "max_price"):
        if key in data:
            data[key] = _price_to_limit(data[key])
    data["tax_included"] = v230.TaxIncluded.NO
    log.add("tax_included", "invented: NO, as prices before 2.3.0 exclude VAT")


def _up_211(data: Data, log: LossLog, context: ConversionContext | None) -> None:
    for key in ("country_code", "party_id"):
        value = getattr(context, key, None) if context is not None else None
        if value is None:
            raise ValueError(
                f"a 2.1.1 Tariff has no {key}: give the owner (country_code and party_id, from the URL or the "
                "partner's credentials) in the ConversionContext"
            )
        data[key] = value
        log.add(key, "taken from the conversion context (2.1.1 Tariffs carry no owner)")
    data["tax_included"] = v230.TaxIncluded.NO
    log.add("tax_included", "invented: NO, as 2.1.1 prices exclude VAT")


# --- down: canonical -> older version ------------------------------------------------------------


def _limit_to_price(limit: Data) -> Data:
    price = {k: v for k, v in limit.items() if k not in ("before_taxes", "after_taxes")}
    price["excl_vat"] = limit["before_taxes"]
    if "after_taxes" in limit:
        price["incl_vat"] = limit["after_taxes"]
    return price


def _down_230(data: Data, log: LossLog) -> None:
    if "preauthorize_amount" in data:
        del data["preauthorize_amount"]
        log.add("preauthorize_amount", "dropped: not in 2.2.1")
    for key in ("min_price", "max_price"):
        if key in data:
            data[key] = _limit_to_price(data[key])
    tax_included = data.pop("tax_included")
    if tax_included == v230.TaxIncluded.N_A:
        log.add("tax_included", "dropped: 2.2.1 cannot say N/A (no taxes apply) other than by omitting `vat`")
    elif tax_included == v230.TaxIncluded.YES:
        log.add(
            "tax_included",
            "dropped: YES cannot be expressed, 2.2.1 prices exclude VAT; prices with a `vat` were converted to "
            "excl. VAT, prices without one kept (any non-VAT taxes they include are no longer told apart)",
        )
        for i, element in enumerate(data["elements"]):
            for j, component in enumerate(element["price_components"]):
                if component.get("vat") is None:
                    continue
                excl = component["price"] / (1 + Decimal(component["vat"]) / 100)
                component["price"] = excl.quantize(_PRICE_PRECISION, rounding=ROUND_HALF_UP)
                log.at("elements", i, "price_components", j).add(
                    "price", "changed: price incl. VAT converted to excl. VAT, rounded to 4 decimals"
                )


def _down_221(data: Data, log: LossLog) -> None:
    for key in ("country_code", "party_id"):
        del data[key]
        log.add(key, "dropped: 2.1.1 Tariffs carry no owner (it travels in the URL)")
    for key in ("type", "min_price", "max_price", "start_date_time", "end_date_time"):
        if key in data:
            del data[key]
            log.add(key, "dropped: not in 2.1.1")
    kept = []
    for i, element in enumerate(data["elements"]):
        element_log = log.at("elements", i)
        restrictions = element.get("restrictions") or {}
        if "reservation" in restrictions:
            element_log.losses.append(
                Loss(element_log.prefix, "dropped: reservation costs cannot be expressed in 2.1.1")
            )
            continue
        for key in ("min_current", "max_current"):
            if key in restrictions:
                del restrictions[key]
                element_log.at("restrictions").add(key, "dropped: not in 2.1.1, the element now applies at any current")
        if "restrictions" in element and not restrictions:
            del element["restrictions"]  # only current restrictions were set: the element is now unrestricted
        for j, component in enumerate(element["price_components"]):
            if "vat" in component:
                del component["vat"]
                element_log.at("price_components", j).add("vat", "dropped: not in 2.1.1 (prices are excl. VAT)")
        kept.append(element)
    if not kept:
        reasons = "; ".join(str(loss) for loss in log.losses)
        raise ValueError(f"this Tariff cannot be expressed in 2.1.1, no element is left: {reasons}")
    data["elements"] = kept


# --- entry points --------------------------------------------------------------------------------


def to_canonical(obj: BaseModel, version: str, context: ConversionContext | None = None) -> Converted[BaseModel]:
    """A 2.1.1, 2.2.1 or 2.3.0 Tariff as its canonical (2.3.0) equivalent, with what it cost."""
    _check(obj, version)
    if str(version) == "2.3.0":
        return Converted(obj)
    data = _dump(obj)
    log = LossLog()
    if str(version) == "2.1.1":
        _up_211(data, log, context)
    else:
        _up_221(data, log)
    _energy_mix(obj, locations_convert.to_canonical, version, data, log.losses)
    return Converted(v230.Tariff.model_validate(data), log.losses)


def from_canonical(obj: BaseModel, version: str, context: ConversionContext | None = None) -> Converted[BaseModel]:
    """A canonical (2.3.0) Tariff as the given version's equivalent, with what it cost."""
    _check(obj, "2.3.0")
    target = _tariff_class(version)
    if str(version) == "2.3.0":
        return Converted(obj)
    data = _dump(obj)
    log = LossLog()
    _down_230(data, log)
    if str(version) == "2.1.1":
        _down_221(data, log)
    _energy_mix(obj, locations_convert.from_canonical, version, data, log.losses)
    return Converted(target.model_validate(data), log.losses)
