# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Convert IBM's public accounts-receivable sample to the risk package's invoice frame.

    python3 bench/ar_sample_to_frame.py WA_Fn-UseC_-Accounts-Receivable.csv /tmp/ar.csv
    python3 -m odoo.addons.dunning_automation.risk backtest --csv /tmp/ar.csv

The sample (2,466 invoices, 100 customers, 2012-2013, every invoice settled) is not
shipped. ``Disputed`` only says that an invoice was disputed at some point, not when. By
default it is taken as known on the settlement date (``disputed_date`` =
``SettledDate``), so that no feature uses a dispute before it could have been known;
``--disputed-on issue`` dates it on the invoice date instead, for a company whose
customers dispute on receipt. ``PaperlessBill``, ``DaysToSettle`` and ``DaysLate`` are
not used (the last two are the outcome).
"""

import argparse

import pandas as pd


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", help="WA_Fn-UseC_-Accounts-Receivable.csv")
    parser.add_argument(
        "target",
        help="invoice CSV for `python3 -m odoo.addons.dunning_automation.risk backtest "
        "--csv`",
    )
    parser.add_argument(
        "--disputed-on",
        choices=("settlement", "issue"),
        default="settlement",
        help="date a dispute is known on (default: settlement)",
    )
    args = parser.parse_args()
    raw = pd.read_csv(
        args.source, dtype={"invoiceNumber": str, "customerID": str, "countryCode": str}
    )
    settled = pd.to_datetime(raw["SettledDate"], format="%m/%d/%Y")
    issued = pd.to_datetime(raw["InvoiceDate"], format="%m/%d/%Y")
    frame = pd.DataFrame(
        {
            "invoice_id": raw["invoiceNumber"],
            "partner_id": raw["customerID"],
            "invoice_date": issued,
            "due_date": pd.to_datetime(raw["DueDate"], format="%m/%d/%Y"),
            "amount": raw["InvoiceAmount"],
            "currency": "USD",
            "paid_date": settled,
            "country": raw["countryCode"],
            "disputed_date": (
                settled if args.disputed_on == "settlement" else issued
            ).where(raw["Disputed"] == "Yes"),
        }
    )
    frame.sort_values(["invoice_date", "invoice_id"]).to_csv(args.target, index=False)
    print(f"wrote {len(frame)} invoices to {args.target}")


if __name__ == "__main__":
    main()
