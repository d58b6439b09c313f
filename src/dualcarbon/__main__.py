from dualcarbon.cli import main

main()
