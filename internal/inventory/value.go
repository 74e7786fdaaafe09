package inventory

import (
	"fmt"
	"strconv"
	"strings"
)

// FormatValue renders a value parsed from a YAML, JSON or TOML config file
// the way the equivalent command-line flag would read.
func FormatValue(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case int64:
		return strconv.FormatInt(t, 10)
	case bool:
		return strconv.FormatBool(t)
	case []any:
		parts := make([]string, len(t))
		for i, e := range t {
			parts[i] = FormatValue(e)
		}
		return strings.Join(parts, ",")
	}
	return fmt.Sprint(v)
}
