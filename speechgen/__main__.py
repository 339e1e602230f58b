from speechgen.cli import main

if __name__ == "__main__":  # a process started with `spawn` imports this module again: it must not run the CLI
    main()
