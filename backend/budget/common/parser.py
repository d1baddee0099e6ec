import json
from decimal import Decimal

from django.http import HttpRequest
from ninja.parser import Parser


class DecimalParser(Parser):
    """Reads JSON numbers as Decimal, so an amount sent as a number is never a float."""

    def parse_body(self, request: HttpRequest):
        return json.loads(request.body, parse_float=Decimal)
