import altair as alt
import pytest

from dashboard import charts
from tests.report_data import BUCKETS, HISTORICAL, MONTHLY, WALLETS, YEARLY


def _layers(chart: alt.LayerChart) -> list[dict]:
    return chart.to_dict()["layer"]


# --- frames -----------------------------------------------------------------------------------


def test_balance_frame_plots_floats_and_labels_exact_amounts() -> None:
    frame = charts.balance_frame(WALLETS[:3], "EUR")

    assert frame.to_dict("records") == [
        {"name": "Bank", "balance": 2450.75, "label": "2,450.75 EUR", "sign": "Positive"},
        {"name": "Cash", "balance": 120.0, "label": "120.00 EUR", "sign": "Positive"},
        {"name": "Loan to Tom", "balance": -300.0, "label": "-300.00 EUR", "sign": "Negative"},
    ]


def test_category_frame_names_the_flow() -> None:
    frame = charts.category_frame(MONTHLY["categories"], "EUR")

    assert frame["type"].tolist() == ["Income", "Expense", "Expense"]
    assert frame["total"].tolist() == [3000.0, 1200.0, 84.2]
    assert frame["label"].tolist() == ["3,000.00 EUR", "1,200.00 EUR", "84.20 EUR"]


def test_daily_frame_has_an_income_and_an_expense_row_per_day() -> None:
    frame = charts.daily_frame(MONTHLY["days"], "EUR")

    assert len(frame) == 62
    salary_day = frame[frame["date"] == "2025-03-28"]
    assert salary_day[["day", "flow", "amount", "label"]].to_dict("records") == [
        {"day": 28, "flow": "Income", "amount": 3000.0, "label": "3,000.00 EUR"},
        {"day": 28, "flow": "Expense", "amount": 0.0, "label": "0.00 EUR"},
    ]


def test_period_frame_for_months_and_years() -> None:
    flows, net = charts.period_frame(YEARLY["months"], "month", "EUR")
    year_flows, year_net = charts.period_frame(HISTORICAL["years"], "year")

    assert len(flows) == 24
    assert net["period"].tolist()[:3] == ["Jan", "Feb", "Mar"]
    assert net.iloc[0].to_dict() == {
        "period": "Jan",
        "order": 1,
        "net": -3200.0,
        "label": "-3,200.00 EUR",
    }
    assert year_net["period"].tolist() == ["2023", "2024", "2025"]
    assert year_net["label"].tolist() == ["2,999.75", "983.95", "-1,484.20"]
    assert year_flows["flow"].tolist()[:2] == ["Income", "Expense"]


# --- charts -----------------------------------------------------------------------------------


def test_balance_bars_are_horizontal_from_zero_with_negatives_in_red() -> None:
    chart = charts.balance_bars(BUCKETS[:3], "EUR")

    assert isinstance(chart, alt.LayerChart)
    bars, zero = _layers(chart)
    assert bars["mark"]["type"] == "bar"
    assert bars["encoding"]["x"]["field"] == "balance"
    assert bars["encoding"]["x"]["type"] == "quantitative"
    assert bars["encoding"]["y"] == {
        "field": "name",
        "sort": "-x",
        "title": None,
        "type": "nominal",
    }
    assert bars["encoding"]["color"]["scale"] == {
        "domain": ["Positive", "Negative"],
        "range": [charts.POSITIVE_COLOR, charts.NEGATIVE_COLOR],
    }
    assert [t["field"] for t in bars["encoding"]["tooltip"]] == ["name", "label"]
    assert zero["mark"]["type"] == "rule"
    data = chart.layer[0].data
    assert data.loc[data["name"] == "Fun", ["balance", "sign", "label"]].values.tolist() == [
        [-100.0, "Negative", "-100.00 EUR"]
    ]


def test_horizontal_bars_give_every_row_its_own_band() -> None:
    many = [{"name": f"W{i}", "balance": str(i)} for i in range(30)]

    assert charts.balance_bars(many).to_dict()["height"] == {"step": charts.BAR_HEIGHT}
    assert charts.category_bars([]).to_dict()["height"] == {"step": charts.BAR_HEIGHT}


def test_axes_show_whole_amounts_with_thousands_separators() -> None:
    spec = charts.category_bars(YEARLY["categories"], "EUR").to_dict()

    assert spec["encoding"]["x"]["axis"] == {"format": ",.0f"}


def test_category_bars_sort_by_total_and_colour_income_and_expense() -> None:
    chart = charts.category_bars(MONTHLY["categories"], "EUR")

    assert isinstance(chart, alt.Chart)
    spec = chart.to_dict()
    assert spec["mark"]["type"] == "bar"
    assert spec["encoding"]["y"]["sort"] == "-x"
    assert spec["encoding"]["x"]["field"] == "total"
    assert spec["encoding"]["color"]["scale"]["domain"] == ["Income", "Expense"]
    assert [t["title"] for t in spec["encoding"]["tooltip"]] == ["Category", "Type", "Total"]
    assert chart.data["label"].tolist() == ["3,000.00 EUR", "1,200.00 EUR", "84.20 EUR"]


def test_daily_income_expense_groups_bars_by_day() -> None:
    chart = charts.daily_income_expense(MONTHLY["days"], "EUR")

    spec = chart.to_dict()
    assert spec["mark"]["type"] == "bar"
    assert spec["encoding"]["x"]["field"] == "day"
    assert spec["encoding"]["x"]["type"] == "ordinal"
    assert spec["encoding"]["xOffset"]["field"] == "flow"
    assert spec["encoding"]["y"]["field"] == "amount"
    assert sorted(chart.data["day"].unique().tolist()) == list(range(1, 32))
    tooltip = {t["field"] for t in spec["encoding"]["tooltip"]}
    assert tooltip == {"date", "flow", "label"}


def test_monthly_bars_with_net_layers_bars_a_net_line_and_a_zero_rule() -> None:
    chart = charts.monthly_bars_with_net(YEARLY["months"], "EUR")

    assert isinstance(chart, alt.LayerChart)
    bars, line, zero = _layers(chart)
    assert bars["mark"]["type"] == "bar"
    assert bars["encoding"]["xOffset"]["field"] == "flow"
    assert (
        bars["encoding"]["x"]["sort"]
        == charts.period_frame(YEARLY["months"], "month")[1]["period"].tolist()
    )
    assert line["mark"]["type"] == "line"
    assert line["encoding"]["y"]["field"] == "net"
    assert zero["mark"]["type"] == "rule"
    net = chart.layer[1].data
    assert net["net"].tolist()[0] == -3200.0
    assert net["label"].tolist()[2] == "1,715.80 EUR"


def test_yearly_bars_with_net_orders_years_ascending() -> None:
    years = list(reversed(HISTORICAL["years"]))

    chart = charts.yearly_bars_with_net(years, "EUR")

    bars, line, _ = _layers(chart)
    assert bars["encoding"]["x"]["sort"] == ["2023", "2024", "2025"]
    assert line["encoding"]["tooltip"][1]["title"] == "Net"
    assert chart.layer[1].data["label"].tolist() == ["-1,484.20 EUR", "983.95 EUR", "2,999.75 EUR"]


@pytest.mark.parametrize(
    "build",
    [
        charts.balance_bars,
        charts.category_bars,
        charts.daily_income_expense,
        charts.monthly_bars_with_net,
        charts.yearly_bars_with_net,
    ],
)
def test_every_chart_accepts_empty_input(build) -> None:
    chart = build([], "EUR")

    spec = chart.to_dict()  # a valid Vega-Lite spec
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
