package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// failClosed makes every command group refuse what it does not know: a
// group run with an unknown word is "unknown command ... did you mean",
// and a group run with no subcommand prints its help to stderr and fails.
// Both exit 2, so a typo in a CI script never passes. `help TOPIC` with an
// unknown topic fails the same way. Explicit --help still exits 0.
func failClosed(root *cobra.Command) {
	root.InitDefaultCompletionCmd()
	root.SetHelpCommand(newHelpCommand())
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.SuggestionsMinimumDistance = 2
		if c.HasSubCommands() && c.Run == nil && c.RunE == nil {
			c.Args = unknownSubcommand
			c.RunE = missingSubcommand
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// unknownSubcommand rejects any word given to a command group.
func unknownSubcommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	return usageError("%s", unknownCommandMessage(cmd, args[0]))
}

func unknownCommandMessage(cmd *cobra.Command, word string) string {
	msg := fmt.Sprintf("unknown command %q for %q", word, cmd.CommandPath())
	if s := suggestions(cmd, word); len(s) > 0 {
		msg += "; did you mean " + quoteJoin(s) + "?"
	} else {
		msg += "; commands: " + strings.Join(subcommandNames(cmd), ", ")
	}
	return msg
}

// suggestions are the subcommands of cmd near word: cobra's Levenshtein
// and prefix matches, then case-insensitive and plural/singular slips.
func suggestions(cmd *cobra.Command, word string) []string {
	if word == "" || strings.HasPrefix(word, "-") {
		return nil
	}
	s := cmd.SuggestionsFor(word)
	if len(s) == 0 {
		lw := strings.ToLower(word)
		for _, c := range cmd.Commands() {
			if !c.IsAvailableCommand() {
				continue
			}
			n := strings.ToLower(c.Name())
			if strings.TrimSuffix(lw, "s") == strings.TrimSuffix(n, "s") {
				s = append(s, c.Name())
			}
		}
	}
	return s
}

func subcommandNames(cmd *cobra.Command) []string {
	var names []string
	for _, c := range cmd.Commands() {
		if c.IsAvailableCommand() {
			names = append(names, c.Name())
		}
	}
	return names
}

func quoteJoin(s []string) string {
	q := make([]string, len(s))
	for i, v := range s {
		q[i] = fmt.Sprintf("%q", v)
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

// missingSubcommand runs for a group given no subcommand.
func missingSubcommand(cmd *cobra.Command, _ []string) error {
	cmd.SetOut(cmd.ErrOrStderr())
	_ = cmd.Help()
	return usageError("%q needs a command: %s", cmd.CommandPath(), strings.Join(subcommandNames(cmd), ", "))
}

// newHelpCommand is cobra's `help [command]` except that an unknown topic
// is an error (cobra prints the root help and exits 0).
func newHelpCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "help [command]",
		Short: "Help about any command",
		RunE: func(c *cobra.Command, args []string) error {
			root := c.Root()
			cmd, rest, err := root.Find(args)
			if err != nil {
				return usageError("help: %v", oneLine(err.Error()))
			}
			if len(rest) > 0 {
				return usageError("help: %s", unknownCommandMessage(cmd, rest[0]))
			}
			return cmd.Help()
		},
	}
}
