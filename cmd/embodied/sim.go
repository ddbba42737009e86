package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/embodied-community/embodied/internal/discordsim"
)

func init() {
	register("sim", "run the local Discord emulator on its own (for the sandbox and load tests)", runSim)
}

func runSim(args []string, stdout, stderr io.Writer) error {
	fs := flags("sim", "sim [--addr 127.0.0.1:0] [--token T] [--no-guild]\n\nRuns the Discord emulator until SIGINT or SIGTERM and prints, as environment lines,\nthe address and token a bot connects with (DISCORD_API_URL, DISCORD_TOKEN) and the\nsample guild's owner (ADMIN_USER_ID). Only loopback addresses are accepted; nothing\nreaches Discord.", stdout)
	addr := fs.String("addr", "127.0.0.1:0", "listen address (loopback only)")
	token := fs.String("token", "", "bot token to accept (default: the emulator's fixed test token)")
	noGuild := fs.Bool("no-guild", false, "start without the sample guild \"Sandbox\"")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("sim takes no arguments")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return discordsim.ListenAndServe(ctx, discordsim.Options{Addr: *addr, Token: *token}, func(s *discordsim.Server) {
		fmt.Fprintf(stdout, "DISCORD_API_URL=%s\nDISCORD_TOKEN=%s\n", s.URL(), s.Token())
		if !*noGuild {
			g := s.SeedSandbox()
			fmt.Fprintf(stdout, "ADMIN_USER_ID=%s\n", g.OwnerID)
			var names []string
			for _, m := range g.Members() {
				if !m.User.Bot {
					names = append(names, m.User.Username+"="+m.ID())
				}
			}
			fmt.Fprintf(stdout, "# guild %q (%s): %s\n", g.Name, g.ID, strings.Join(names, " "))
		}
		fmt.Fprintln(stdout, "# local Discord emulator: nothing reaches Discord. Ctrl-C stops it.")
	})
}
