"""The streamed reading of an import-json body: the same value as json.loads, each
transaction kept only as its model, and the limits every JSON body has."""

import io
import json
from decimal import Decimal

import pytest

from budget.common.errors import PayloadTooLarge
from budget.common.parser import JsonTooDeep, UnstorableText
from budget.exchange.reader import BadBody, document_read
from budget.exchange.schemas import TransactionDoc

TX = {"kind": "expense", "date": "2025-03-01", "amount": "4.20", "wallet": "w1"}


def read(text: str, limit: int = 10_000_000):
    return document_read(io.BytesIO(text.encode()), limit=limit)


def test_a_document_reads_as_json_loads_reads_it():
    text = json.dumps(
        {
            "format": "budget-ledger",
            "numbers": [1, -2, 3.25, 1e3, 12345678901234567890],
            "nested": {"a": [{"b": None, "c": True, "d": False}], "e": "çé €"},
            "empty": [{}, []],
        }
    )
    assert read(text) == json.loads(text, parse_float=Decimal)


@pytest.mark.parametrize("text", ["null", "[]", '"text"', "3"])
def test_a_body_that_is_not_an_object_reads_as_it_is(text):
    assert read(text) == json.loads(text)


def test_each_transaction_is_kept_as_its_model():
    bad = {**TX, "amount": "lots"}
    value = read(json.dumps({"wallets": [{"id": "w1"}], "transactions": [TX, bad, "x"]}))
    first, second, third = value["transactions"]
    assert isinstance(first, TransactionDoc)
    assert first.amount == Decimal("4.20")
    assert (second, third) == (bad, "x")  # left for the document's check to name
    assert value["wallets"] == [{"id": "w1"}]


def test_transactions_that_give_the_same_fields_share_one_set_of_them():
    split = {**TX, "kind": "income", "allocations": [{"bucket": "b1", "amount": "1.00"}]}
    one, two, three = read(json.dumps({"transactions": [TX, {**TX, "id": "t2"}, split]}))[
        "transactions"
    ]
    assert one.model_fields_set == set(TX)
    assert two.model_fields_set == {*TX, "id"}
    assert three.model_fields_set == set(split)
    again = read(json.dumps({"transactions": [TX]}))["transactions"][0]
    assert again.__pydantic_fields_set__ is one.__pydantic_fields_set__
    assert three.allocations[0].model_fields_set == {"bucket", "amount"}
    assert one.model_dump() == TransactionDoc.model_validate(TX).model_dump()


def test_only_the_top_level_transactions_are_models():
    value = read(json.dumps({"ledger": {"transactions": [TX]}}))
    assert value == {"ledger": {"transactions": [TX]}}


@pytest.mark.parametrize("text", ["", "{", '{"a": 1} {}', "{'a': 1}", '{"a": tru}', "\xff"])
def test_a_body_that_is_not_json_is_400(text):
    with pytest.raises(BadBody):
        read(text)


def test_a_body_longer_than_the_limit_is_413_whatever_it_declared():
    text = json.dumps({"transactions": [TX] * 100})
    assert read(text, limit=len(text))
    with pytest.raises(PayloadTooLarge):
        read(text, limit=len(text) - 1)


def test_nesting_deeper_than_64_levels_is_refused():
    assert read("[" * 64 + "]" * 64)
    with pytest.raises(JsonTooDeep):
        read("[" * 65 + "]" * 65)
    with pytest.raises(JsonTooDeep):
        read("[" * 100_000)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ('{"transactions": [{}, {"notes": "a\\u0000"}]}', "transactions.1.notes"),
        ('{"wallets": [{"na\\u0000me": "x"}]}', "wallets.0.na\x00me"),
        ('["\\u0000"]', "0"),
        ('"\\u0000"', "body"),
    ],
)
def test_a_nul_character_is_refused_naming_where(text, field):
    with pytest.raises(UnstorableText) as error:
        read(text)
    assert error.value.field == field
