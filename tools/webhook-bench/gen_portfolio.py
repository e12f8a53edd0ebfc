#!/usr/bin/env python3
"""Writes clients.csv and installments.csv for `aviso import`: the portfolio scheduler-bench uses.
installments / 10 clients, each with one loan of 10 monthly installments whose first due date is
spread over the 300 days before and 30 days after TODAY; installments more than 90 days past due
are paid, 70 % of the other past ones too. A third of the clients get both channels.

Usage: gen_portfolio.py INSTALLMENTS OUT_DIR [TODAY=2026-11-26]
"""
import datetime, os, random, sys

n = int(sys.argv[1]); out = sys.argv[2]
today = datetime.date.fromisoformat(sys.argv[3] if len(sys.argv) > 3 else "2026-11-26")
rng = random.Random(14)
channels = ["whatsapp", "sms", "both"]
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "clients.csv"), "w") as c, open(os.path.join(out, "installments.csv"), "w") as i:
    c.write("id,name,phone,phone_country_code,advisor,preferred_channel\n")
    i.write("id,client_id,loan_id,number,due_date,amount,currency,status\n")
    for k in range(n // 10):
        c.write("C%d,Cliente %d,5%03d-%04d,GT,Ana,%s\n" % (k, k, k // 10000 % 1000, k % 10000, channels[k % 3]))
        first = today - datetime.timedelta(days=300 - rng.randrange(330))
        for m in range(10):
            due = first + datetime.timedelta(days=30 * m)
            age = (today - due).days
            paid = age > 90 or (age > 0 and rng.randrange(10) < 7)
            i.write("I%d-%d,C%d,L%d,%d,%s,500.00,GTQ,%s\n" % (k, m, k, k, m + 1, due.isoformat(), "paid" if paid else "pending"))
