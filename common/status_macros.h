// RETURN_IF_ERROR and ASSIGN_OR_RETURN: this Abseil (20220623) has none.
//
//   RETURN_IF_ERROR(ValidateSlot(slot));
//   ASSIGN_OR_RETURN(Booking booking, store.Book(...));
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define SCREENING_CONCAT_INNER(a, b) a##b
#define SCREENING_CONCAT(a, b) SCREENING_CONCAT_INNER(a, b)

#define RETURN_IF_ERROR(expr)                              \
  do {                                                     \
    ::absl::Status screening_status_ = (expr);             \
    if (!screening_status_.ok()) return screening_status_; \
  } while (0)

#define ASSIGN_OR_RETURN(lhs, expr) \
  SCREENING_ASSIGN_OR_RETURN_IMPL(SCREENING_CONCAT(screening_statusor_, __LINE__), lhs, expr)

#define SCREENING_ASSIGN_OR_RETURN_IMPL(statusor, lhs, expr) \
  auto statusor = (expr);                                    \
  if (!statusor.ok()) return std::move(statusor).status();   \
  lhs = std::move(statusor).value()
