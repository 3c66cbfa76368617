from cse_pdf.cli import main

main()
