import { describe, expect, it } from "vitest";
import { formatMoney, groupDigits, isNegative } from "../../src/money";

const usd = (amount: string) => ({ amount, currency: "USD" });
const NBSP = "\u00a0";
const NNBSP = "\u202f";

describe("formatMoney", () => {
  it.each([
    ["-12345678901234.56", "-$12,345,678,901,234.56"],
    ["12345678901234.56", "$12,345,678,901,234.56"],
    // i64::MIN cents: far beyond a float's 2^53, every digit kept.
    ["-92233720368547758.08", "-$92,233,720,368,547,758.08"],
    ["92233720368547758.07", "$92,233,720,368,547,758.07"],
    ["0.00", "$0.00"],
    ["-0.00", "$0.00"],
    ["0.05", "$0.05"],
    ["-0.05", "-$0.05"],
    ["999.99", "$999.99"],
    ["1000.00", "$1,000.00"],
    ["-100000.10", "-$100,000.10"],
    ["12.5", "$12.50"],
    ["000123.40", "$123.40"],
  ])("%s USD in en-US is %s", (amount, shown) => {
    expect(formatMoney(usd(amount), "en-US")).toBe(shown);
  });

  it("never turns the amount into a float", () => {
    // 0.1 + 0.2 style drift or rounding to 2^53 would change these digits.
    expect(formatMoney(usd("9007199254740993.01"), "en-US")).toBe("$9,007,199,254,740,993.01");
    expect(formatMoney(usd("0.30000000000000004"), "en-US")).toBe("$0.30000000000000004");
  });

  it("follows the locale's symbols and order", () => {
    expect(formatMoney({ amount: "-12345678901234.56", currency: "EUR" }, "de-DE")).toBe(`-12.345.678.901.234,56${NBSP}€`);
    expect(formatMoney({ amount: "-1234.56", currency: "EUR" }, "fr-FR")).toBe(`-1${NNBSP}234,56${NBSP}€`);
    expect(formatMoney({ amount: "-5.00", currency: "GBP" }, "en-GB")).toBe("-£5.00");
    expect(formatMoney({ amount: "1234", currency: "JPY" }, "en-US")).toBe("¥1,234");
  });

  it("groups by lakh and crore where the locale does", () => {
    expect(formatMoney({ amount: "-12345678901.50", currency: "INR" }, "en-IN")).toBe("-₹12,34,56,78,901.50");
  });

  it("writes the locale's digits", () => {
    expect(formatMoney({ amount: "1234.56", currency: "USD" }, "ar-EG")).toContain("١٬٢٣٤٫٥٦");
  });

  it("shows what it cannot read as it came", () => {
    expect(formatMoney(usd("1e5"), "en-US")).toBe("1e5 USD");
    expect(formatMoney(usd(""), "en-US")).toBe(" USD");
    expect(formatMoney({ amount: "12.00", currency: "not a code" }, "en-US")).toBe("12.00 not a code");
  });
});

describe("groupDigits", () => {
  it("groups by three, or three then two", () => {
    expect(groupDigits("1", ",")).toBe("1");
    expect(groupDigits("123", ",")).toBe("123");
    expect(groupDigits("1234", ",")).toBe("1,234");
    expect(groupDigits("123456789", ",")).toBe("123,456,789");
    expect(groupDigits("1234567", ",", 3, 2)).toBe("12,34,567");
    expect(groupDigits("1234567", "")).toBe("1234567");
  });
});

describe("isNegative", () => {
  it.each([
    ["-0.01", true],
    ["-10", true],
    ["-0.00", false],
    ["0.00", false],
    ["12.34", false],
    ["-12345678901234.56", true],
  ])("%s → %s", (amount, negative) => {
    expect(isNegative(usd(amount))).toBe(negative);
  });
});
