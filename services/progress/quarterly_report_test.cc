#include "services/progress/quarterly_report.h"
