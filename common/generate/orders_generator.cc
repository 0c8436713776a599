#include "common/generate/orders_generator.h"

namespace backtrace::generate {
namespace {

// SplitMix64 step: adds the golden-ratio increment and mixes the state.
uint64_t SplitMix64(uint64_t* state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

constexpr std::array<std::string_view, kOrdersSymbolCount> kSymbols{
    "BTC",   "ETH",  "SOL",  "XRP",  "ADA",  "DOGE", "AVAX", "DOT",  "LINK", "MATIC",
    "LTC",   "BCH",  "TRX",  "ATOM", "XLM",  "ETC",  "FIL",  "APT",  "ARB",  "OP",
    "NEAR",  "ICP",  "HBAR", "VET",  "ALGO", "QNT",  "GRT",  "AAVE", "EGLD", "SAND",
    "MANA",  "AXS",  "THETA", "FTM", "EOS",  "XTZ",  "FLOW", "CHZ",  "KAVA", "NEO",
    "MKR",   "SNX",  "CRV",  "LDO",  "RUNE", "INJ",  "SUI",  "SEI",  "TIA",  "STX",
    "IMX",   "RNDR", "KAS",  "ORDI", "PEPE", "SHIB", "BONK", "WIF",  "FLOKI", "JUP",
    "PYTH",  "JTO",  "DYDX", "GMX",  "COMP", "UNI",  "SUSHI", "YFI", "BAL",  "ZRX",
    "ENJ",   "GALA", "ONE",  "ZIL",  "IOTA", "XMR",  "ZEC",  "DASH", "WAVES", "KSM",
    "CELO",  "ROSE", "MINA", "CFX",  "BLUR", "ENS",  "LRC",  "BAT",  "OCEAN", "FET",
    "AGIX",  "ANKR", "HOT",  "RVN",  "ICX",  "QTUM", "ONT",  "SC",   "ZEN",  "KNC",
};

// Shares of rows in basis points: BTC, ETH, SOL; the rest split evenly.
constexpr uint64_t kBtcShare = 3000;
constexpr uint64_t kEthShare = 1200;
constexpr uint64_t kSolShare = 600;
constexpr size_t kCommonSymbols = 3;

}  // namespace

const std::array<std::string_view, kOrdersSymbolCount>& OrdersGenerator::Symbols() {
  return kSymbols;
}

OrdersGenerator::OrdersGenerator(uint64_t seed) : random_state_(seed) {
  // Starting prices do not depend on the seed: $45000, $2500, $100, then
  // $1..$500 from a fixed sequence.
  uint64_t price_state = 0x6f72646572730000ull;  // "orders"
  walks_.resize(kOrdersSymbolCount);
  for (size_t symbol = 0; symbol < kOrdersSymbolCount; ++symbol) {
    Walk& walk = walks_[symbol];
    uint64_t draw = SplitMix64(&price_state);
    if (symbol == 0) {
      walk = {4500000, 4000000, 5000000, 0};
    } else {
      int64_t start = 100 + static_cast<int64_t>(draw % 49901);
      if (symbol == 1) start = 250000;
      if (symbol == 2) start = 10000;
      walk = {start, start / 2, start + start / 2, 0};
    }
    // Steps of up to 0.1% of the starting price, at least one cent.
    walk.max_step = walk.cents / 1000 > 1 ? walk.cents / 1000 : 1;
  }
}

uint64_t OrdersGenerator::NextRandom() { return SplitMix64(&random_state_); }

uint64_t OrdersGenerator::NextBelow(uint64_t bound) {
  return static_cast<uint64_t>((static_cast<unsigned __int128>(NextRandom()) * bound) >> 64);
}

size_t OrdersGenerator::NextSymbol() {
  uint64_t share = NextBelow(10000);
  if (share < kBtcShare) return 0;
  if (share < kBtcShare + kEthShare) return 1;
  if (share < kBtcShare + kEthShare + kSolShare) return 2;
  return kCommonSymbols + NextBelow(kOrdersSymbolCount - kCommonSymbols);
}

void OrdersGenerator::Next(size_t rows, OrdersChunk* chunk) {
  chunk->ts.Clear();
  chunk->symbol.Clear();
  chunk->price.Clear();
  chunk->qty.Clear();
  chunk->ts.Reserve(rows);
  chunk->symbol.Reserve(rows);
  chunk->price.Reserve(rows);
  chunk->qty.Reserve(rows);
  std::vector<int64_t>& timestamps = chunk->ts.int64s();
  StringValues& symbols = chunk->symbol.strings();
  std::vector<double>& prices = chunk->price.float64s();
  std::vector<int64_t>& quantities = chunk->qty.int64s();
  for (size_t row = 0; row < rows; ++row) {
    timestamps.push_back(next_timestamp_);
    next_timestamp_ += static_cast<int64_t>(1 + NextBelow(2000)) * 1000;

    size_t symbol = NextSymbol();
    symbols.push_back(kSymbols[symbol]);

    Walk& walk = walks_[symbol];
    int64_t step = static_cast<int64_t>(NextBelow(2 * static_cast<uint64_t>(walk.max_step) + 1)) -
                   walk.max_step;
    int64_t cents = walk.cents + step;
    if (cents < walk.lower) cents = 2 * walk.lower - cents;
    if (cents > walk.upper) cents = 2 * walk.upper - cents;
    walk.cents = cents;
    prices.push_back(static_cast<double>(cents) / 100.0);

    quantities.push_back(static_cast<int64_t>(1 + NextBelow(1000)));
  }
  rows_generated_ += rows;
}

}  // namespace backtrace::generate
